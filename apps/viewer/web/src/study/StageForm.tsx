import { useId, useState } from 'react';
import { stageName } from '../format';

/** A stage select preset to the current value and a Confirm/Save button (confirm = same as model). */
export function StageForm(props: {
  label: string;
  classes: string[];
  modelStage: string | null;
  current: string | null;
  onSave: (stage: string) => Promise<void>;
  testId?: string;
}) {
  const id = useId();
  const initial =
    props.current ??
    (props.modelStage && props.classes.includes(props.modelStage) ? props.modelStage : props.classes[0]);
  const [stage, setStage] = useState(initial ?? '');
  const [busy, setBusy] = useState(false);
  const agrees = stage === props.modelStage;
  return (
    <form
      className="stage-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await props.onSave(stage);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={stage} onChange={(e) => setStage(e.target.value)} data-testid={props.testId}>
        {props.classes.map((c) => (
          <option key={c} value={c}>
            {stageName(c)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || !stage}>
        {agrees ? 'Confirm stage' : 'Save correction'}
      </button>
    </form>
  );
}
