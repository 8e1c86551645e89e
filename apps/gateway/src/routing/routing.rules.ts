import type { RouteMatch, RouteRule, RoutingConfig } from './routing.config.js';

/** The PHI-free attributes routing looks at (from the parsed dataset and the association). */
export interface RoutingFacts {
  sopClassUid: string;
  modality?: string;
  manufacturer?: string;
  manufacturerModelName?: string;
  stationName?: string;
  callingAeTitle?: string;
  imageLaterality?: string;
}

export type RouteAction = 'analyze' | 'ignore' | 'forward';

export interface RouteDecision {
  action: RouteAction;
  /** Rule name, else `rules[i]`, else `default`. */
  rule: string;
  pipeline?: string;
  destination?: string;
}

const FIELDS: [keyof RouteMatch, keyof RoutingFacts][] = [
  ['sopClassUid', 'sopClassUid'],
  ['modality', 'modality'],
  ['manufacturer', 'manufacturer'],
  ['manufacturerModelName', 'manufacturerModelName'],
  ['stationName', 'stationName'],
  ['callingAeTitle', 'callingAeTitle'],
  ['imageLaterality', 'imageLaterality'],
];

const globCache = new Map<string, RegExp>();

/** Exact match, or a whole-value glob (`*`, `?`) when the pattern holds one; case-sensitive. */
export function matchesPattern(p: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!/[*?]/.test(p)) return p === value;
  let re = globCache.get(p);
  if (!re) {
    const body = p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 's');
    globCache.set(p, re);
  }
  return re.test(value);
}

function ruleMatches(match: RouteMatch, facts: RoutingFacts): boolean {
  for (const [key, fact] of FIELDS) {
    const want = match[key];
    if (want === undefined) continue;
    const value = facts[fact]?.trim();
    const list = Array.isArray(want) ? want : [want];
    if (!list.some((p) => matchesPattern(p, value))) return false;
  }
  return true;
}

/** First matching rule wins (order is the config's); no match -> the configured default. */
export function routeInstance(config: RoutingConfig, facts: RoutingFacts): RouteDecision {
  for (let i = 0; i < config.rules.length; i++) {
    const r: RouteRule = config.rules[i];
    if (!ruleMatches(r.match, facts)) continue;
    const rule = r.name ?? `rules[${i}]`;
    if (r.action === 'analyze') return { action: 'analyze', rule, pipeline: r.pipeline };
    if (r.action === 'forward') return { action: 'forward', rule, destination: r.destination };
    return { action: 'ignore', rule };
  }
  return config.default === 'analyze'
    ? { action: 'analyze', rule: 'default', pipeline: 'default' }
    : { action: 'ignore', rule: 'default' };
}
