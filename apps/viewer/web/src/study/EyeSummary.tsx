import type { LabelInput, StudyEye, StudyView } from '../api.types';
import { eyeName, pct, stageName, when } from '../format';
import { Probabilities } from './Probabilities';
import { StageForm } from './StageForm';
import { Thumb } from './Thumb';

/** One eye: model stage, confidence, probabilities, evidence image, and the clinician's stage. */
export function EyeSummary(props: {
  study: StudyView;
  eye: StudyEye;
  onSelectImage: (instanceId: string, frame: number) => void;
  onLabel: (l: LabelInput) => Promise<void>;
}) {
  const { study, eye } = props;
  const latest = study.labels.latest.eyes[eye.laterality] ?? {};
  const titleId = `eye-${eye.laterality}`;
  return (
    <section className="eye panel" aria-labelledby={titleId} data-testid={`eye-${eye.laterality}`}>
      <h2 id={titleId}>{eyeName(eye.laterality)}</h2>
      <p>
        Model: <strong>{stageName(eye.stage)}</strong> ({pct(eye.confidence)} confidence, {eye.imageCount}{' '}
        image
        {eye.imageCount === 1 ? '' : 's'})
      </p>
      {latest.stage && (
        <p className="confirmed" data-testid={`eye-${eye.laterality}-confirmed`}>
          Clinician: <strong>{stageName(latest.stage.stage)}</strong> by {latest.stage.actor},{' '}
          {when(latest.stage.at)}
        </p>
      )}
      {latest.ungradable?.ungradable && (
        <p className="error-text">Marked ungradable by {latest.ungradable.actor}</p>
      )}
      <Probabilities p={eye.probabilities} classes={study.classes} />
      {eye.evidenceInstanceId && eye.evidence && (
        <button
          type="button"
          className="evidence"
          onClick={() => props.onSelectImage(eye.evidenceInstanceId!, eye.evidence!.frame)}
        >
          <Thumb instanceId={eye.evidenceInstanceId} frame={eye.evidence.frame} alt="" />
          <span>Show evidence image</span>
        </button>
      )}
      <StageForm
        label={`${eyeName(eye.laterality)} stage`}
        classes={study.classes}
        modelStage={eye.stage}
        current={latest.stage?.stage ?? null}
        testId={`eye-${eye.laterality}-stage`}
        onSave={(stage) => props.onLabel({ scope: 'eye', kind: 'stage', laterality: eye.laterality, stage })}
      />
      <button
        type="button"
        onClick={() =>
          props.onLabel({
            scope: 'eye',
            kind: 'ungradable',
            laterality: eye.laterality,
            ungradable: !latest.ungradable?.ungradable,
          })
        }
      >
        {latest.ungradable?.ungradable ? 'Clear ungradable' : 'Mark eye ungradable'}
      </button>
    </section>
  );
}
