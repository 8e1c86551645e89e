import { useState } from 'react';
import { api, ApiError } from '../api';
import type { StudyView } from '../api.types';

/** Publish state of the current analysis' result objects and the Re-publish button. */
export function PublishPanel({ study, onDone }: { study: StudyView; onDone: () => void }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const c = study.publish.counts;
  async function republish() {
    setBusy(true);
    try {
      const { queued } = await api.republish(study.id);
      setMessage(`${queued} object(s) queued for PACS.`);
      onDone();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : 'Re-publishing failed.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="publish-title" className="panel">
      <h2 id="publish-title">PACS</h2>
      <p data-testid="publish-state">
        {c.total === 0
          ? 'Nothing sent to PACS yet.'
          : `${c.sent} of ${c.total} sent` +
            (c.pending + c.sending ? `, ${c.pending + c.sending} waiting` : '') +
            (c.dead ? `, ${c.dead} failed` : '')}
      </p>
      <button type="button" onClick={republish} disabled={busy || !study.analysis}>
        Re-publish to PACS
      </button>
      <p role="status" className="help">
        {message}
      </p>
    </section>
  );
}
