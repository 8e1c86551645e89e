import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import type { LabelInput, Me, StudyImage, StudyView } from '../api.types';
import { when } from '../format';
import { EyeSummary } from './EyeSummary';
import { HistoryPanel } from './HistoryPanel';
import { ImageGrid, imageKey } from './ImageGrid';
import { ImagePanel } from './ImagePanel';
import { PublishPanel } from './PublishPanel';

/** Right eye (OD) first, as ROP exam forms list them. */
const rightFirst = (a: { laterality: string }, b: { laterality: string }) =>
  (a.laterality === 'R' ? 0 : 1) - (b.laterality === 'R' ? 0 : 1);

/** One study: per-eye summary, image grid, the selected image, history and PACS state. */
export function StudyPage({ id, me }: { id: string; me: Me }) {
  const [study, setStudy] = useState<StudyView | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [selected, setSelected] = useState<string | null>(null);

  const load = useCallback(
    () =>
      api.study(id).then(
        (s) => {
          setStudy(s);
          setSelected((cur) => cur ?? (s.analysis?.images[0] ? imageKey(s.analysis.images[0]) : null));
        },
        (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load the study'),
      ),
    [id],
  );
  useEffect(() => void load(), [load]);

  const onLabel = useCallback(
    async (l: LabelInput) => {
      try {
        const saved = await api.addLabel(id, l);
        setNotice(`Saved ${saved.kind} label (${saved.scope}) as ${saved.actor}.`);
        await load();
      } catch (e) {
        setNotice(e instanceof ApiError ? `Not saved: ${e.message}` : 'Not saved.');
      }
    },
    [id, load],
  );

  if (error)
    return (
      <p role="alert" className="error">
        {error} <a href="#/">Back to the worklist</a>
      </p>
    );
  if (!study) return <p className="page-status">Loading study…</p>;
  const images = study.analysis?.images ?? [];
  const index = images.findIndex((i) => imageKey(i) === selected);
  const select = (img: Pick<StudyImage, 'instanceId' | 'frame'>) => setSelected(imageKey(img));
  return (
    <article aria-labelledby="study-title">
      <p>
        <a href="#/">← Worklist</a>
      </p>
      <h1 id="study-title">Study …{study.studyInstanceUid.slice(-8)}</h1>
      <p className="muted">
        Status <strong data-testid="study-status">{study.status}</strong> · received {when(study.receivedAt)}
        {study.analysis &&
          ` · model ${study.analysis.pipeline.name ?? study.analysis.pipeline.key} ${study.analysis.pipeline.version ?? ''}`}
        {' · reviewing as '}
        {me.name}
      </p>
      <p role="status" className="notice" data-testid="notice">
        {notice}
      </p>
      {!study.analysis && (
        <p>This study has not been analysed yet{study.pending ? ` (${study.pending.status})` : ''}.</p>
      )}
      <div className="eyes">
        {[...(study.analysis?.eyes ?? [])].sort(rightFirst).map((e) => (
          <EyeSummary
            key={e.laterality}
            study={study}
            eye={e}
            onLabel={onLabel}
            onSelectImage={(instanceId, frame) => select({ instanceId, frame })}
          />
        ))}
      </div>
      <div className="study-body">
        {index >= 0 && (
          <ImagePanel key={selected} study={study} image={images[index]} index={index} onLabel={onLabel} />
        )}
        <ImageGrid study={study} selected={selected} onSelect={select} />
      </div>
      <div className="study-side">
        <HistoryPanel study={study} />
        <PublishPanel study={study} onDone={() => void load()} />
      </div>
    </article>
  );
}
