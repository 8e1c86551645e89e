import { describe, expect, it } from 'vitest';
import { routingConfigSchema } from './routing.config.js';
import { matchesPattern, routeInstance, type RoutingFacts } from './routing.rules.js';

const OP8 = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
const OP16 = '1.2.840.10008.5.1.4.1.1.77.1.5.2';
const SC = '1.2.840.10008.5.1.4.1.1.7';
const CT = '1.2.840.10008.5.1.4.1.1.2';

describe('matchesPattern', () => {
  it.each([
    ['OP', 'OP', true],
    ['OP', 'op', false],
    ['OP', undefined, false],
    ['Clarity*', 'Clarity Medical Systems', true],
    ['*RetCam*', 'Natus RetCam 3', true],
    ['RetCam?', 'RetCam3', true],
    ['RetCam?', 'RetCam', false],
    ['1.2.840.*', '1.2.840.10008', true],
    ['1.2.840.*', '1x2x840x1', false],
  ])('%s vs %s -> %s', (p, v, want) => {
    expect(matchesPattern(p, v)).toBe(want);
  });
});

describe('routeInstance', () => {
  const defaults = routingConfigSchema.parse({});
  it.each<[string, RoutingFacts, string, string]>([
    ['OP 8-bit class', { sopClassUid: OP8 }, 'analyze', 'op-sop-class'],
    ['OP 16-bit class', { sopClassUid: OP16, modality: 'XC' }, 'analyze', 'op-sop-class'],
    ['SC with Modality OP', { sopClassUid: SC, modality: 'OP' }, 'analyze', 'op-modality'],
    ['SC with Modality OT', { sopClassUid: SC, modality: 'OT' }, 'ignore', 'default'],
    ['CT', { sopClassUid: CT, modality: 'CT' }, 'ignore', 'default'],
  ])('default rules: %s -> %s (%s)', (_n, facts, action, rule) => {
    const d = routeInstance(defaults, facts);
    expect([d.action, d.rule]).toEqual([action, rule]);
    if (action === 'analyze') expect(d.pipeline).toBe('default');
  });

  const custom = routingConfigSchema.parse({
    rules: [
      { name: 'lab-station', match: { stationName: 'LAB-*' }, action: 'ignore' },
      { match: { callingAeTitle: 'OLDPACS', modality: 'OP' }, action: 'forward', destination: 'archive' },
      {
        name: 'retcam-right',
        match: { manufacturerModelName: ['RetCam*', 'ICON'], imageLaterality: 'R' },
        action: 'analyze',
        pipeline: 'retcam',
      },
      { match: { sopClassUid: OP8 }, action: 'analyze' },
    ],
  });
  it.each<[string, RoutingFacts, Record<string, string>]>([
    [
      'station glob wins first',
      { sopClassUid: OP8, stationName: 'LAB-2' },
      { action: 'ignore', rule: 'lab-station' },
    ],
    [
      'AE + modality -> forward',
      { sopClassUid: OP8, modality: 'OP', callingAeTitle: 'OLDPACS' },
      { action: 'forward', rule: 'rules[1]', destination: 'archive' },
    ],
    [
      'model list + laterality',
      { sopClassUid: SC, manufacturerModelName: 'ICON', imageLaterality: 'R' },
      { action: 'analyze', rule: 'retcam-right', pipeline: 'retcam' },
    ],
    [
      'left eye falls to the class rule',
      { sopClassUid: OP8, manufacturerModelName: 'ICON', imageLaterality: 'L' },
      { action: 'analyze', rule: 'rules[3]', pipeline: 'default' },
    ],
    ['no rule -> default ignore', { sopClassUid: SC, modality: 'OP' }, { action: 'ignore', rule: 'default' }],
  ])('custom rules: %s', (_n, facts, want) => {
    expect(routeInstance(custom, facts)).toEqual(want);
  });

  it('rejects an unknown action or field at start-up', () => {
    expect(routingConfigSchema.safeParse({ rules: [{ action: 'delete' }] }).success).toBe(false);
    expect(
      routingConfigSchema.safeParse({ rules: [{ match: { patientName: 'x' }, action: 'ignore' }] }).success,
    ).toBe(false);
    expect(routingConfigSchema.safeParse({ rules: [{ action: 'forward' }] }).success).toBe(false);
  });
});
