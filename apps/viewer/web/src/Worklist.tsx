import { useEffect, useState } from 'react';
import { api, ApiError } from './api';
import { REVIEW_STATUSES, type WorklistRow } from './api.types';
import { eyeName, pct, stageName, when } from './format';
import { studyHref } from './route';

const MIN_STAGES = ['', 'stage1', 'stage2', 'stage3'];

/** Studies, needs-attention (stage >= 2) first, then newest; filters by status and minimum stage. */
export function Worklist() {
  const [status, setStatus] = useState('');
  const [minStage, setMinStage] = useState('');
  const [rows, setRows] = useState<WorklistRow[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    setRows(null);
    api.worklist({ status, minStage }).then(
      (r) => live && (setRows(r), setError('')),
      (e: unknown) => live && setError(e instanceof ApiError ? e.message : 'Could not load the worklist'),
    );
    return () => {
      live = false;
    };
  }, [status, minStage]);

  return (
    <section aria-labelledby="worklist-title">
      <h1 id="worklist-title">Worklist</h1>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All</option>
            {REVIEW_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Minimum stage
          <select value={minStage} onChange={(e) => setMinStage(e.target.value)}>
            {MIN_STAGES.map((s) => (
              <option key={s} value={s}>
                {s ? `${stageName(s)} or worse` : 'Any'}
              </option>
            ))}
          </select>
        </label>
        <p className="help">Stage 2 or worse is listed first, then the newest studies.</p>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {rows === null && !error && <p className="page-status">Loading…</p>}
      {rows && rows.length === 0 && <p>No studies match these filters.</p>}
      {rows && rows.length > 0 && (
        <table className="worklist">
          <caption className="sr-only">Studies to review</caption>
          <thead>
            <tr>
              <th scope="col">Study</th>
              <th scope="col">Status</th>
              <th scope="col">Right eye</th>
              <th scope="col">Left eye</th>
              <th scope="col">Images</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <WorklistRowView key={r.id} row={r} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EyeCell({ row, laterality }: { row: WorklistRow; laterality: string }) {
  const eye = row.eyes.find((e) => e.laterality === laterality);
  if (!eye) return <td>–</td>;
  const attention = row.classes.indexOf(eye.stage) >= Math.max(0, row.classes.indexOf('stage2'));
  return (
    <td>
      <span className={attention ? 'stage stage-attention' : 'stage'}>{stageName(eye.stage)}</span>{' '}
      <span className="muted">{pct(eye.confidence)}</span>{' '}
      {eye.reviewed ? (
        <span className="reviewed" title={`${eyeName(laterality)} reviewed`}>
          ✓ reviewed
        </span>
      ) : (
        <span className="muted">not reviewed</span>
      )}
    </td>
  );
}

function WorklistRowView({ row }: { row: WorklistRow }) {
  const open = () => (window.location.hash = studyHref(row.id));
  return (
    <tr className="clickable" onClick={open} data-testid="worklist-row">
      <td>
        <a href={studyHref(row.id)} onClick={(e) => e.stopPropagation()}>
          Study …{row.studyInstanceUid.slice(-8)}
        </a>
      </td>
      <td>
        <span className={`status status-${row.status}`}>{row.status}</span>
        {row.publish.dead > 0 && <span className="error-text"> ({row.publish.dead} failed to send)</span>}
        {row.publish.pending > 0 && <span className="muted"> ({row.publish.pending} to send)</span>}
      </td>
      <EyeCell row={row} laterality="R" />
      <EyeCell row={row} laterality="L" />
      <td>{row.imageCount}</td>
      <td>{when(row.lastReceivedAt)}</td>
    </tr>
  );
}
