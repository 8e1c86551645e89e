import type { StudyImage, StudyView } from '../api.types';
import { eyeName, stageName } from '../format';
import { Thumb } from './Thumb';

export const imageKey = (img: Pick<StudyImage, 'instanceId' | 'frame'>) => `${img.instanceId}/${img.frame}`;

/** Every analysed image as a lazily loaded thumbnail button; the selected one is pressed. */
export function ImageGrid(props: {
  study: StudyView;
  selected: string | null;
  onSelect: (img: StudyImage) => void;
}) {
  const images = props.study.analysis?.images ?? [];
  return (
    <section aria-labelledby="images-title" className="panel">
      <h2 id="images-title">Images ({images.length})</h2>
      <ul className="grid">
        {images.map((img, i) => {
          const key = imageKey(img);
          const reviewed = props.study.labels.latest.images[key];
          return (
            <li key={key}>
              <button
                type="button"
                aria-pressed={props.selected === key}
                onClick={() => props.onSelect(img)}
                data-testid="image-button"
              >
                <Thumb instanceId={img.instanceId} frame={img.frame} alt="" />
                <span>
                  {i + 1}. {eyeName(img.laterality)} ·{' '}
                  {img.status === 'ok' ? stageName(img.stage) : 'not analysed'}
                  {reviewed ? ' · reviewed' : ''}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
