import { useState } from 'react';
import type { LabelInput, Polyline, StudyImage, StudyView } from '../api.types';
import { eyeName, pct, stageName, when } from '../format';
import { imageKey } from './ImageGrid';
import { ImageViewer } from './ImageViewer';
import type { OverlayMode } from './overlay';
import { Probabilities } from './Probabilities';
import { StageForm } from './StageForm';

const MODES: { mode: OverlayMode; label: string }[] = [
  { mode: 'off', label: 'Off' },
  { mode: 'outline', label: 'Outline' },
  { mode: 'fill', label: 'Fill' },
];

/** The selected image: viewer with overlay and line editing, its stage, ungradable mark. */
export function ImagePanel(props: {
  study: StudyView;
  image: StudyImage;
  index: number;
  onLabel: (l: LabelInput) => Promise<void>;
}) {
  const { study, image } = props;
  const latest = study.labels.latest.images[imageKey(image)] ?? {};
  const saved: Polyline[] = latest.line?.line ?? image.modelLines;
  const [overlay, setOverlay] = useState<OverlayMode>('outline');
  const [editing, setEditing] = useState(false);
  const [lines, setLines] = useState<Polyline[]>(saved);
  const title = `Image ${props.index + 1}, ${eyeName(image.laterality)}`;
  const target = { scope: 'image' as const, instanceId: image.instanceId, frame: image.frame };

  const addPoint = (x: number, y: number) =>
    setLines((ls) => (ls.length ? [...ls.slice(0, -1), [...ls[ls.length - 1], [x, y]]] : [[[x, y]]]));
  const undo = () =>
    setLines((ls) => {
      if (!ls.length) return ls;
      const last = ls[ls.length - 1].slice(0, -1);
      return last.length ? [...ls.slice(0, -1), last] : ls.slice(0, -1);
    });

  return (
    <section aria-labelledby="image-title" className="panel image-panel">
      <h2 id="image-title">{title}</h2>
      <fieldset className="overlay-modes">
        <legend>Line overlay</legend>
        {MODES.map((m) => (
          <label key={m.mode}>
            <input
              type="radio"
              name="overlay"
              value={m.mode}
              checked={overlay === m.mode}
              onChange={() => setOverlay(m.mode)}
            />
            {m.label}
          </label>
        ))}
        {!image.hasMask && <span className="muted"> (no mask for this image)</span>}
      </fieldset>
      <ImageViewer
        image={image}
        title={title}
        overlay={overlay}
        lines={editing || latest.line ? lines : []}
        onAddPoint={editing ? addPoint : undefined}
      />
      <div className="line-tools" role="group" aria-label="Demarcation line">
        {!editing ? (
          <button type="button" onClick={() => (setLines(saved), setEditing(true))}>
            Edit line
          </button>
        ) : (
          <>
            <button type="button" onClick={() => setLines((ls) => [...ls, []])}>
              New segment
            </button>
            <button type="button" onClick={undo} disabled={!lines.some((l) => l.length)}>
              Undo point
            </button>
            <button type="button" onClick={() => setLines(image.modelLines)}>
              Start from model line
            </button>
            <button type="button" onClick={() => setLines([])}>
              Clear
            </button>
            <button
              type="button"
              onClick={async () => {
                await props.onLabel({ ...target, kind: 'line', line: lines.filter((l) => l.length >= 2) });
                setEditing(false);
              }}
            >
              Save line
            </button>
            <button type="button" onClick={() => (setLines(saved), setEditing(false))}>
              Cancel
            </button>
            <span className="help">Click on the image (or use arrows and Enter) to add points.</span>
          </>
        )}
        {latest.line && !editing && (
          <span className="muted">
            Line saved by {latest.line.actor}, {when(latest.line.at)}
          </span>
        )}
      </div>
      <div className="image-facts">
        {image.status === 'ok' ? (
          <>
            <p>
              Model: <strong>{stageName(image.stage)}</strong> ({pct(image.confidence)})
            </p>
            <Probabilities p={image.probabilities} classes={study.classes} />
          </>
        ) : (
          <p className="error-text">Not analysed ({image.errorCode ?? 'error'})</p>
        )}
        {latest.stage && (
          <p className="confirmed">
            Clinician: <strong>{stageName(latest.stage.stage)}</strong> by {latest.stage.actor},{' '}
            {when(latest.stage.at)}
          </p>
        )}
        <StageForm
          key={imageKey(image)}
          label="Image stage"
          classes={study.classes}
          modelStage={image.stage}
          current={latest.stage?.stage ?? null}
          onSave={(stage) => props.onLabel({ ...target, kind: 'stage', stage })}
        />
        <button
          type="button"
          onClick={() =>
            props.onLabel({ ...target, kind: 'ungradable', ungradable: !latest.ungradable?.ungradable })
          }
        >
          {latest.ungradable?.ungradable ? 'Clear ungradable' : 'Mark image ungradable'}
        </button>
      </div>
    </section>
  );
}
