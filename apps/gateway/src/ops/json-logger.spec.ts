import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJsonLogger, redactMeta, REDACTED } from './json-logger.js';

describe('createJsonLogger / redaction (second line of defence)', () => {
  it('drops PHI-named keys, blanks secrets and person names, keeps the rest', () => {
    expect(
      redactMeta({
        PatientName: 'Doe^Jane',
        patientId: 'X1',
        PatientBirthDate: '20200101',
        accession_number: 'A1',
        OtherPatientIDs: ['Y'],
        '00100010': { vr: 'PN' },
        authorization: 'Bearer abc',
        nested: { PatientID: 'X2', who: 'DOE^JOHN^^DR', list: ['ok', '^Given'] },
        err: Object.assign(new Error('bad Doe^Jane'), { code: 'E1' }),
        sopInstanceUid: '1.2.3',
        bytes: 12,
        note: 'range 2^8 - 1',
      }),
    ).toEqual({
      authorization: REDACTED,
      nested: { who: REDACTED, list: ['ok', REDACTED] },
      err: { name: 'Error', message: REDACTED, code: 'E1' },
      sopInstanceUid: '1.2.3',
      bytes: 12,
      note: 'range 2^8 - 1',
    });
  });

  it('writes one JSON object per line with level, time, msg and redacted meta', () => {
    const out: string[] = [];
    const log = createJsonLogger({
      level: 'info',
      destination: new Writable({
        write(c: Buffer, _e, cb) {
          out.push(c.toString());
          cb();
        },
      }),
    });
    log.log('debug', 'hidden');
    log.log('info', 'stored', { PatientName: 'Doe^Jane', sopInstanceUid: '1.2' });
    log.log('warn', 'Doe^Jane');
    expect(out).toHaveLength(2);
    const [a, b] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({
      level: 'info',
      msg: 'stored',
      sopInstanceUid: '1.2',
      service: 'ropline-gateway',
    });
    expect(a).not.toHaveProperty('PatientName');
    expect(typeof a.time).toBe('string');
    expect(b).toMatchObject({ level: 'warn', msg: REDACTED });
  });
});
