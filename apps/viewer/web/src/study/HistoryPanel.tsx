import type { LabelView, StudyView } from '../api.types';
import { eyeName, stageName, when } from '../format';

function what(l: LabelView): string {
  if (l.kind === 'stage') return stageName(l.stage);
  if (l.kind === 'ungradable') return l.ungradable ? 'Ungradable' : 'Gradable again';
  const n = l.line?.length ?? 0;
  return n === 0
    ? 'No line'
    : `Line (${n} segment${n > 1 ? 's' : ''}, ${l.line!.reduce((a, p) => a + p.length, 0)} points)`;
}

/** Every label of the study, newest first (append-only: nothing is ever overwritten). */
export function HistoryPanel({ study }: { study: StudyView }) {
  const imageNo = new Map(study.analysis?.images.map((img, i) => [img.instanceId, i + 1]) ?? []);
  const rows = [...study.labels.history].reverse();
  return (
    <section aria-labelledby="history-title" className="panel">
      <h2 id="history-title">History</h2>
      {rows.length === 0 ? (
        <p className="muted">No labels yet.</p>
      ) : (
        <table className="history" data-testid="history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Target</th>
              <th scope="col">Label</th>
              <th scope="col">Model</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <tr key={l.id}>
                <td>{when(l.at)}</td>
                <td>{l.actor}</td>
                <td>
                  {eyeName(l.laterality)}
                  {l.scope === 'image' ? `, image ${imageNo.get(l.instanceId ?? '') ?? '?'}` : ''}
                </td>
                <td>
                  {l.kind}: {what(l)}
                  {l.note ? ` — ${l.note}` : ''}
                </td>
                <td>{l.agreesWithModel === null ? '–' : l.agreesWithModel ? 'agrees' : 'corrected'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
