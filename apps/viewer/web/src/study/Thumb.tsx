import { frameUrl } from '../api';
import { useAuthedImage } from './useAuthedImage';

/** A lazily fetched thumbnail of a frame (256 px side). */
export function Thumb({ instanceId, frame, alt }: { instanceId: string; frame: number; alt: string }) {
  const { ref, url, failed } = useAuthedImage(frameUrl(instanceId, frame, 256), true);
  return (
    <span className="thumb" ref={(el) => void (ref.current = el)}>
      {url ? (
        <img src={url} alt={alt} />
      ) : (
        <span className="thumb-placeholder">{failed ? 'No image' : ''}</span>
      )}
    </span>
  );
}
