import { pct, stageName } from '../format';

/** Class probabilities as a small list with bars (text first: the bars are decoration). */
export function Probabilities({ p, classes }: { p: Record<string, number> | null; classes: string[] }) {
  if (!p) return null;
  const keys = classes.length ? classes : Object.keys(p);
  return (
    <dl className="probs">
      {keys.map((k) => (
        <div key={k}>
          <dt>{stageName(k)}</dt>
          <dd>
            {pct(p[k])}
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${Math.round((p[k] ?? 0) * 100)}%` }} />
            </span>
          </dd>
        </div>
      ))}
    </dl>
  );
}
