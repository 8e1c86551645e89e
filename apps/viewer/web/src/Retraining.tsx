import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './api';
import type { MetricWithCi, RetrainingRun } from './api.types';

const METRICS: [string, string][] = [
  ['accuracy', 'Accuracy'],
  ['macroF1', 'Macro F1'],
  ['kappaQuadratic', 'Quadratic kappa'],
];

function metric(v: MetricWithCi | number | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'number') return v.toFixed(3);
  const ci =
    v.lower !== undefined && v.upper !== undefined ? ` [${v.lower.toFixed(2)}, ${v.upper.toFixed(2)}]` : '';
  return `${v.estimate.toFixed(3)}${ci}`;
}

function Progress({ run }: { run: RetrainingRun }) {
  const pct = Math.round(100 * (run.progress.fraction ?? 0));
  if (run.status === 'queued') return <span>queued</span>;
  if (run.status === 'failed')
    return (
      <span className="error">
        failed: {run.errorCode} {run.errorMessage}
      </span>
    );
  if (run.status === 'done') return <span>done</span>;
  return (
    <span>
      <progress max={100} value={pct} aria-label={`progress ${pct} %`} /> {pct} % {run.progress.phase}
      {run.progress.etaSeconds ? `, about ${Math.ceil(run.progress.etaSeconds / 60)} min left` : ''}
    </span>
  );
}

/**
 * Retraining from the clinicians' confirmed labels (data scientists): start a run, follow its
 * progress, compare candidate and active model on the same held-out set, promote through the gate.
 */
export function Retraining() {
  const [runs, setRuns] = useState<RetrainingRun[] | null>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api
      .retrainingRuns()
      .then(setRuns, (e: unknown) => setMessage(e instanceof ApiError ? e.message : 'Could not load runs.'));
  }, []);
  useEffect(() => {
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [load]);

  async function start(from: 'active' | 'scratch') {
    setBusy(true);
    try {
      await api.startRetraining({ from });
      setMessage('Retraining queued. It runs in the background at low priority; analysis is not affected.');
      load();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : 'Could not start retraining.');
    } finally {
      setBusy(false);
    }
  }
  async function promote(run: RetrainingRun, force: boolean) {
    const reason = force
      ? window.prompt('Reason for overriding the gate (recorded in the audit trail):')
      : undefined;
    if (force && !reason) return;
    try {
      const m = await api.promoteRun(run.id, { force, ...(reason ? { reason } : {}) });
      setMessage(`${m.name} ${m.version} is now ${m.status}. New studies are analysed with it.`);
    } catch (e) {
      setMessage(e instanceof ApiError ? `Not promoted: ${e.message}` : 'Promotion failed.');
    }
  }

  return (
    <section aria-labelledby="retraining-title">
      <h1 id="retraining-title">Retraining</h1>
      <p className="help">
        Builds a de-identified snapshot of every confirmed label, fine-tunes the active models on it, and
        compares the candidate with the active model on the same held-out infants. A candidate can be promoted
        only if it is not worse on macro F1 and quadratic kappa (beyond the configured margin).
      </p>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => start('active')}>
          Retrain from confirmed labels
        </button>
        <button type="button" disabled={busy} onClick={() => start('scratch')}>
          Train from scratch
        </button>
      </div>
      <p role="status" className="help" data-testid="retraining-message">
        {message}
      </p>
      {runs === null ? (
        <p>Loading…</p>
      ) : runs.length === 0 ? (
        <p>No retraining yet.</p>
      ) : (
        <table className="worklist" data-testid="retraining-runs">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">By</th>
              <th scope="col">Status</th>
              <th scope="col">Candidate</th>
              {METRICS.map(([, label]) => (
                <th scope="col" key={label}>
                  {label} (candidate / active)
                </th>
              ))}
              <th scope="col">Promote</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>{new Date(run.createdAt).toLocaleString()}</td>
                <td>{run.requestedBy}</td>
                <td>
                  <Progress run={run} />
                </td>
                <td>{run.candidateVersion ?? '–'}</td>
                {METRICS.map(([key]) => (
                  <td key={key}>
                    {metric(run.metrics?.candidate?.[key])} / {metric(run.metrics?.active?.[key])}
                  </td>
                ))}
                <td>
                  {run.status === 'done' && (
                    <>
                      <button type="button" onClick={() => promote(run, false)}>
                        Promote
                      </button>{' '}
                      <button type="button" onClick={() => promote(run, true)}>
                        Force…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
