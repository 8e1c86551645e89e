import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import { api, frameUrl, maskUrl } from '../api';
import type { Polyline, StudyImage } from '../api.types';
import { colourMask, LINE_COLOUR, type OverlayMode } from './overlay';

const MAX_SIDE = 1024;
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 16;

async function bitmapOf(path: string): Promise<ImageBitmap> {
  return createImageBitmap(await api.blob(path));
}

/** The mask coloured for `mode` at the canvas size (nearest neighbour: the mask is binary). */
function overlayCanvas(mask: ImageBitmap, w: number, h: number, mode: OverlayMode): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.imageSmoothingEnabled = false;
  g.drawImage(mask, 0, 0, w, h);
  const px = g.getImageData(0, 0, w, h);
  px.data.set(colourMask(px.data, w, h, mode));
  g.putImageData(px, 0, 0);
  return c;
}

export interface ViewerProps {
  image: StudyImage;
  title: string;
  overlay: OverlayMode;
  /** Polylines in image pixel coordinates to draw (the line being edited or the confirmed one). */
  lines: Polyline[];
  /** When set, clicks (or Enter at the keyboard cursor) add a point in image pixel coordinates. */
  onAddPoint?: (x: number, y: number) => void;
}

/**
 * The selected image on a canvas: the frame (longer side <= 1024), the line mask overlay, the lines;
 * zoom with the buttons, the wheel or + / - / 0 (fit). While editing, arrow keys move a cursor and
 * Enter adds a point, so the line can be drawn without a mouse.
 */
export function ImageViewer({ image, title, overlay, lines, onAddPoint }: ViewerProps) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const boxRef = useRef<HTMLDivElement | null>(null);
  const [frame, setFrame] = useState<ImageBitmap | null>(null);
  const [mask, setMask] = useState<ImageBitmap | null>(null);
  const [zoom, setZoom] = useState(1);
  const [error, setError] = useState('');
  const cols = image.columns ?? frame?.width ?? 1;
  const rows = image.rows ?? frame?.height ?? 1;
  const [cursor, setCursor] = useState<[number, number] | null>(null);

  useEffect(() => {
    let live = true;
    setFrame(null);
    setMask(null);
    setError('');
    bitmapOf(frameUrl(image.instanceId, image.frame, MAX_SIDE)).then(
      (b) => live && setFrame(b),
      () => live && setError('The image could not be loaded.'),
    );
    if (image.hasMask)
      bitmapOf(maskUrl(image.instanceId, image.frame)).then(
        (b) => live && setMask(b),
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [image.instanceId, image.frame, image.hasMask]);

  const fit = useCallback(() => {
    if (!frame || !boxRef.current) return;
    const w = boxRef.current.clientWidth || frame.width;
    setZoom(Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, Math.min(w / frame.width, 560 / frame.height))));
  }, [frame]);
  useEffect(fit, [fit]);

  const step = useCallback((f: number) => setZoom((z) => Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z * f))), []);

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      step(e.deltaY < 0 ? 1.15 : 1 / 1.15);
    };
    box.addEventListener('wheel', onWheel, { passive: false });
    return () => box.removeEventListener('wheel', onWheel);
  }, [step]);

  const overlayImg = useMemo(
    () =>
      frame && mask && overlay !== 'off' ? overlayCanvas(mask, frame.width, frame.height, overlay) : null,
    [frame, mask, overlay],
  );

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || !frame) return;
    c.width = frame.width;
    c.height = frame.height;
    const g = c.getContext('2d')!;
    g.drawImage(frame, 0, 0);
    if (overlayImg) g.drawImage(overlayImg, 0, 0);
    const sx = frame.width / cols;
    const sy = frame.height / rows;
    const toCanvas = ([x, y]: [number, number]) => [(x + 0.5) * sx, (y + 0.5) * sy] as const;
    g.lineWidth = Math.max(1.5, frame.width / 300);
    g.lineJoin = 'round';
    for (const pl of lines) {
      g.strokeStyle = LINE_COLOUR;
      g.beginPath();
      pl.forEach((p, i) => (i ? g.lineTo(...toCanvas(p)) : g.moveTo(...toCanvas(p))));
      g.stroke();
      g.fillStyle = LINE_COLOUR;
      for (const p of pl) {
        const [x, y] = toCanvas(p);
        g.fillRect(x - g.lineWidth, y - g.lineWidth, g.lineWidth * 2, g.lineWidth * 2);
      }
    }
    if (onAddPoint && cursor) {
      const [x, y] = toCanvas(cursor);
      g.strokeStyle = '#ffffff';
      g.beginPath();
      g.arc(x, y, g.lineWidth * 4, 0, Math.PI * 2);
      g.stroke();
    }
  }, [frame, overlayImg, lines, cols, rows, cursor, onAddPoint]);

  const toImage = (e: MouseEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    const clamp = (v: number, max: number) => Math.round(Math.min(max, Math.max(0, v)) * 10) / 10;
    return [
      clamp(((e.clientX - r.left) / r.width) * cols - 0.5, cols - 1),
      clamp(((e.clientY - r.top) / r.height) * rows - 0.5, rows - 1),
    ];
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === '+' || e.key === '=') step(1.25);
    else if (e.key === '-' || e.key === '_') step(0.8);
    else if (e.key === '0') fit();
    else if (onAddPoint && e.key.startsWith('Arrow')) {
      const d = (e.shiftKey ? 0.1 : 0.01) * Math.max(cols, rows);
      const [x, y] = cursor ?? [cols / 2, rows / 2];
      const dx = e.key === 'ArrowLeft' ? -d : e.key === 'ArrowRight' ? d : 0;
      const dy = e.key === 'ArrowUp' ? -d : e.key === 'ArrowDown' ? d : 0;
      setCursor([
        Math.round(Math.min(cols - 1, Math.max(0, x + dx))),
        Math.round(Math.min(rows - 1, Math.max(0, y + dy))),
      ]);
    } else if (onAddPoint && e.key === 'Enter')
      onAddPoint(...(cursor ?? [Math.round(cols / 2), Math.round(rows / 2)]));
    else return;
    e.preventDefault();
  };

  return (
    <div className="viewer">
      <div className="zoom-bar" role="group" aria-label="Zoom">
        <button type="button" onClick={() => step(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => step(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit}>
          Fit
        </button>
        <span className="muted">{Math.round(zoom * 100)}%</span>
      </div>
      <div
        className="viewport"
        ref={boxRef}
        tabIndex={0}
        onKeyDown={onKey}
        aria-label={`${title}. Keys: plus and minus zoom, 0 fits${onAddPoint ? '; arrows move the cursor, Enter adds a line point' : ''}.`}
        data-testid="viewport"
      >
        {error && <p className="error">{error}</p>}
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={`${title}, overlay ${overlay}`}
          data-testid="image-canvas"
          data-overlay={overlay}
          data-mask-loaded={mask ? 'yes' : 'no'}
          className={onAddPoint ? 'editing' : undefined}
          style={frame ? { width: frame.width * zoom, height: frame.height * zoom } : undefined}
          onClick={onAddPoint ? (e) => onAddPoint(...toImage(e)) : undefined}
        />
      </div>
    </div>
  );
}
