import type { Image8 } from '@ropline/core';
import {
  DISC_RADIUS,
  FOV_MAP,
  LINE_HALF_WIDTH,
  arcWeight,
  raggedness,
  ridgeRadius,
  vascularLimit,
  type EyeModel,
  type View,
} from './eye.model.js';
import { fbm, stream, uniform } from './random.util.js';

/** One VIA-style polygon in pixel coordinates. */
export interface Polygon {
  x: number[];
  y: number[];
}

export interface ViewRequest {
  model: EyeModel;
  view: View;
  width: number;
  height: number;
  /** Device colour cast (R, G, B multipliers). */
  cast: [number, number, number];
  /** 0 (clean) .. 1 (hard): blur, low/uneven contrast, noise, reflections, faint line. */
  difficulty: number;
  /** Stream key for this image's acquisition draws. */
  key: (string | number)[];
}

export interface RenderedView {
  image: Image8;
  /** 1-channel 0/255 mask of the demarcation line / ridge. */
  mask: Image8;
  linePixels: number;
  polygons: Polygon[];
  /** Field of view in pixels (for DICOM and tests). */
  fov: { cx: number; cy: number; radius: number };
}

/** Where each view looks, in map units relative to the disc, before per-image jitter. */
function viewCentre(view: View, tSign: number): [number, number] {
  switch (view) {
    case 'posterior':
      return [tSign * 0.2, 0];
    case 'temporal':
      return [tSign * 0.98, 0];
    case 'nasal':
      return [-tSign * 0.85, 0];
    case 'superior':
      return [tSign * 0.2, -0.92];
    case 'inferior':
      return [tSign * 0.2, 0.92];
  }
}

const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);
const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Minimum mask pixels for a view to count as showing the line (slivers at the rim do not). */
export function minLinePixels(width: number, height: number): number {
  return Math.max(40, Math.round(0.0008 * width * height));
}

export function renderView(req: ViewRequest): RenderedView {
  const { model: m, width: W, height: H, difficulty: diff } = req;
  const rnd = stream(...req.key, 'acq');
  // Geometry: circular aperture, often clipped top and bottom as on RetCam frames.
  const radius = Math.min(W * 0.49, H * uniform(rnd, 0.47, 0.56));
  const cx = W / 2 + uniform(rnd, -0.02, 0.02) * W;
  const cy = H / 2 + uniform(rnd, -0.02, 0.02) * H;
  const [c0x, c0y] = viewCentre(req.view, m.tSign);
  const cu = c0x + uniform(rnd, -0.06, 0.06);
  const cv = c0y + uniform(rnd, -0.06, 0.06);
  const rho = uniform(rnd, -0.12, 0.12);
  const cosR = Math.cos(rho);
  const sinR = Math.sin(rho);
  const pxPerMap = radius / FOV_MAP;
  const toPixel = (u: number, v: number): [number, number] => {
    const a = (u - cu) / FOV_MAP;
    const b = (v - cv) / FOV_MAP;
    return [cx + (cosR * a + sinR * b) * radius, cy + (-sinR * a + cosR * b) * radius];
  };

  // Acquisition draws (all before any per-pixel draw, so their order never depends on the size).
  const blurSigma = (0.6 + diff * uniform(rnd, 0, 2.2)) * (Math.min(W, H) / 480);
  const contrast = 1 - diff * uniform(rnd, 0.1, 0.55);
  const vignette = uniform(rnd, 0.12, 0.3) + diff * 0.15;
  // Colour tilt across the frame: one side redder, the other greener/paler (uneven ring light).
  const tilt = uniform(rnd, 0, 0.2 + 0.25 * diff);
  const tiltDir = uniform(rnd, 0, 2 * Math.PI);
  const gradAmp = uniform(rnd, 0.05, 0.15) + diff * uniform(rnd, 0, 0.3);
  const gradDir = uniform(rnd, 0, 2 * Math.PI);
  const gain = uniform(rnd, 0.92, 1.08);
  const noiseSigma = 1.5 + diff * uniform(rnd, 1, 6);
  const lineConsp = 1 - diff * uniform(rnd, 0, 0.55);
  const haze: [number, number, number] = [
    uniform(rnd, 190, 215),
    uniform(rnd, 150, 175),
    uniform(rnd, 95, 120),
  ];
  const specCount = Math.floor(uniform(rnd, 0, 2.2 + 3 * diff));
  const specs = Array.from({ length: specCount }, () => {
    const a = uniform(rnd, 0, 2 * Math.PI);
    const rr = uniform(rnd, 0.55, 0.95);
    return {
      x: cx + Math.cos(a) * rr * radius,
      y: cy + Math.sin(a) * rr * radius,
      sx: uniform(rnd, 0.015, 0.06) * radius,
      sy: uniform(rnd, 0.01, 0.03) * radius,
      ang: a + Math.PI / 2,
      amp: uniform(rnd, 40, 110),
    };
  });

  // Vessels (and stage-3 tufts) rasterised as soft capsules into coverage buffers.
  const N = W * H;
  const vein = new Float32Array(N);
  const artery = new Float32Array(N);
  const tuft = new Float32Array(N);
  for (const s of m.vessels) {
    const [x0, y0] = toPixel(s.x0, s.y0);
    const [x1, y1] = toPixel(s.x1, s.y1);
    capsule(s.artery ? artery : vein, W, H, x0, y0, x1, y1, Math.max(0.45, s.hw * pxPerMap));
  }
  for (const t of m.tufts) {
    const [x, y] = toPixel(t.x, t.y);
    capsule(tuft, W, H, x, y, x, y, Math.max(0.8, t.r * pxPerMap));
  }

  const rgb = new Float32Array(N * 3);
  const mask = new Uint8Array(N);
  const hwStage = LINE_HALF_WIDTH[m.stage];
  const soft = 0.8 / pxPerMap;
  const lineColour: [number, number, number] =
    m.stage === 1 ? [246, 226, 200] : m.stage === 2 ? [248, 205, 190] : [236, 168, 150];
  const thetaT = m.tSign > 0 ? 0 : Math.PI;
  const maculaX = Math.cos(thetaT) * 0.42;
  const gx = Math.cos(gradDir);
  const gy = Math.sin(gradDir);
  const tx = Math.cos(tiltDir);
  const ty = Math.sin(tiltDir);
  // Choroidal texture is low-frequency: evaluate it on a 4-px grid and interpolate bilinearly.
  const GS = 4;
  const gw = Math.ceil(W / GS) + 2;
  const gh = Math.ceil(H / GS) + 2;
  const texGrid = new Float32Array(gw * gh);
  for (let gy2 = 0; gy2 < gh; gy2++) {
    for (let gx2 = 0; gx2 < gw; gx2++) {
      const dx = (gx2 * GS - cx) / radius;
      const dy = (gy2 * GS - cy) / radius;
      const u = cu + FOV_MAP * (cosR * dx - sinR * dy);
      const v = cv + FOV_MAP * (sinR * dx + cosR * dy);
      const r = Math.sqrt(u * u + v * v);
      const blotch = fbm(u * 7, v * 7, m.seed, 3);
      const net = Math.abs(fbm(u * 16, v * 16, m.seed ^ 0x5bd1e995, 2));
      texGrid[gy2 * gw + gx2] = m.choroid * (0.7 * blotch + (net - 0.35) * (0.6 + 0.7 * Math.min(r, 1.4)));
    }
  }
  let linePixels = 0;
  for (let y = 0; y < H; y++) {
    const gyf = (y + 0.5) / GS;
    const gy0 = Math.floor(gyf);
    const fy = gyf - gy0;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const dx = (x + 0.5 - cx) / radius;
      const dy = (y + 0.5 - cy) / radius;
      const rr = Math.sqrt(dx * dx + dy * dy);
      if (rr > 1 + 1 / radius) continue;
      const u = cu + FOV_MAP * (cosR * dx - sinR * dy);
      const v = cv + FOV_MAP * (sinR * dx + cosR * dy);
      const r = Math.sqrt(u * u + v * v);
      const theta = Math.atan2(v, u);
      // Fundus: base colour with choroidal texture (blotches + a darker interstitial network).
      const gxf = (x + 0.5) / GS;
      const gx0 = Math.floor(gxf);
      const fx = gxf - gx0;
      const g0 = gy0 * gw + gx0;
      const tex =
        1 +
        (texGrid[g0] * (1 - fx) + texGrid[g0 + 1] * fx) * (1 - fy) +
        (texGrid[g0 + gw] * (1 - fx) + texGrid[g0 + gw + 1] * fx) * fy;
      let R = m.base[0] * tex;
      let G = m.base[1] * (1 + (tex - 1) * 1.3);
      let B = m.base[2] * (1 + (tex - 1) * 1.2);
      // Macula: a darker, browner spot temporal to the disc.
      const dm = Math.hypot(u - maculaX, v - 0.03) / 0.13;
      if (dm < 3) {
        const f = 1 - 0.1 * Math.exp(-dm * dm);
        R *= f;
        G *= f * f;
        B *= f;
      }
      // Avascular periphery beyond the line: paler, featureless.
      let w = 0;
      let d = 0;
      if (m.stage > 0) {
        const rl = ridgeRadius(m, theta);
        d = r - rl;
        const pf = clamp01((d - hwStage * 0.3) / 0.05) * m.paleness;
        R += (m.pale[0] - R) * pf;
        G += (m.pale[1] - G) * pf;
        B += (m.pale[2] - B) * pf;
        w = arcWeight(m, theta);
      }
      // Vessels: veins darker and wider, arteries lighter and thinner; stage-3 tufts redder.
      const cvn = vein[i];
      const can = artery[i];
      if (cvn > 0 || can > 0) {
        const fade = r > vascularLimit(m, theta) ? 0 : 1;
        R *= 1 - (0.3 * cvn + 0.14 * can) * fade;
        G *= 1 - (0.48 * cvn + 0.3 * can) * fade;
        B *= 1 - (0.42 * cvn + 0.25 * can) * fade;
      }
      // Optic disc with a paler cup.
      const dd = r / DISC_RADIUS;
      if (dd < 1.3) {
        const a = clamp01((1 - dd) / 0.12 + 0.5);
        const cup = clamp01((0.45 - dd) / 0.1 + 0.5);
        R += (250 - R) * a * 0.85;
        G += (198 + 40 * cup - G) * a * 0.85;
        B += (150 + 60 * cup - B) * a * 0.85;
      }
      // The line: flat whitish band (stage 1), elevated ridge (2), ridge with ragged edge and tufts (3).
      if (w > 0) {
        const hw = hwStage * w;
        const hwIn = hw + raggedness(m, theta) * w;
        if (w > 0.15 && d <= hw && d >= -hwIn && rr <= 1) {
          mask[i] = 255;
          linePixels++;
        }
        const p = clamp01((hw - d) / soft + 0.5) * clamp01((d + hwIn) / soft + 0.5);
        const alpha = p * lineConsp * (m.stage === 1 ? 0.42 : 0.55);
        if (alpha > 0) {
          R += (lineColour[0] - R) * alpha;
          G += (lineColour[1] - G) * alpha;
          B += (lineColour[2] - B) * alpha;
        }
        if (m.stage >= 2 && hw > 0) {
          const hi = Math.exp(-(((d + hw * 0.35) / (hw * 0.45)) ** 2)) * 0.14 * w * lineConsp;
          const sh = Math.exp(-(((d - hw * 1.6) / (hw * 0.6)) ** 2)) * 0.2 * w * lineConsp;
          const f = 1 + hi - sh;
          R *= f;
          G *= f;
          B *= f;
        }
      }
      const ct = tuft[i];
      if (ct > 0) {
        R *= 1 - 0.25 * ct;
        G *= 1 - 0.6 * ct;
        B *= 1 - 0.5 * ct;
      }
      // Illumination: vignetting, uneven (tilted) light, low contrast toward a haze, device cast.
      const light = (1 - vignette * rr * rr * rr) * (1 + gradAmp * (gx * dx + gy * dy)) * gain;
      const t = tilt * (tx * dx + ty * dy);
      R = (R * contrast + haze[0] * (1 - contrast)) * light * req.cast[0] * (1 - 0.6 * t);
      G = (G * contrast + haze[1] * (1 - contrast)) * light * req.cast[1] * (1 + 0.5 * t);
      B = (B * contrast + haze[2] * (1 - contrast)) * light * req.cast[2] * (1 + 0.3 * t);
      const edge = clamp01((1 - rr) * radius + 0.5);
      rgb[i * 3] = R * edge;
      rgb[i * 3 + 1] = G * edge;
      rgb[i * 3 + 2] = B * edge;
    }
  }
  if (blurSigma > 0.5) gaussianBlur(rgb, W, H, blurSigma);
  // Specular reflections of the ring light and sensor noise, then 8 bits.
  const noise = stream(...req.key, 'noise');
  const data = new Uint8Array(N * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const dx = (x + 0.5 - cx) / radius;
      const dy = (y + 0.5 - cy) / radius;
      const inside = dx * dx + dy * dy <= (1 + 1 / radius) ** 2;
      let spec = 0;
      if (inside) {
        for (const s of specs) {
          const ex = x - s.x;
          const ey = y - s.y;
          const a = (Math.cos(s.ang) * ex + Math.sin(s.ang) * ey) / s.sx;
          const b = (-Math.sin(s.ang) * ex + Math.cos(s.ang) * ey) / s.sy;
          const q = a * a + b * b;
          if (q < 9) spec += s.amp * Math.exp(-q);
        }
      }
      const n = inside ? noiseSigma : 1;
      data[i * 3] = clamp8(rgb[i * 3] + spec + (noise() + noise() - 1) * 2.45 * n);
      data[i * 3 + 1] = clamp8(rgb[i * 3 + 1] + spec + (noise() + noise() - 1) * 2.45 * n);
      data[i * 3 + 2] = clamp8(rgb[i * 3 + 2] + spec * 0.95 + (noise() + noise() - 1) * 2.45 * n);
    }
  }
  const visible = linePixels >= minLinePixels(W, H);
  if (!visible && linePixels > 0) {
    mask.fill(0);
    linePixels = 0;
  }
  const polygons = visible ? linePolygons(m, toPixel, pxPerMap, W, H, cx, cy, radius) : [];
  return {
    image: { data, width: W, height: H, channels: 3 },
    mask: { data: mask, width: W, height: H, channels: 1 },
    linePixels,
    polygons,
    fov: { cx, cy, radius },
  };
}

/** Soft capsule (segment with round caps, 1-px anti-aliased edge) stamped as max coverage. */
function capsule(
  buf: Float32Array,
  W: number,
  H: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
) {
  const xa = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1));
  const xb = Math.min(W - 1, Math.ceil(Math.max(x0, x1) + r + 1));
  const ya = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1));
  const yb = Math.min(H - 1, Math.ceil(Math.max(y0, y1) + r + 1));
  if (xa > xb || ya > yb) return;
  const vx = x1 - x0;
  const vy = y1 - y0;
  const len2 = vx * vx + vy * vy || 1e-9;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const px = x + 0.5 - x0;
      const py = y + 0.5 - y0;
      const t = clamp01((px * vx + py * vy) / len2);
      const ddx = px - t * vx;
      const ddy = py - t * vy;
      const dist = Math.sqrt(ddx * ddx + ddy * ddy);
      const c = clamp01(r + 0.5 - dist);
      const i = y * W + x;
      if (c > buf[i]) buf[i] = c;
    }
  }
}

/** Three box blurs per axis approximate a Gaussian of the given sigma (in place). */
function gaussianBlur(rgb: Float32Array, W: number, H: number, sigma: number): void {
  const r = Math.max(1, Math.round(Math.sqrt((12 * sigma * sigma) / 3 + 1) / 2));
  const n = Math.max(W, H);
  const line = new Float32Array(n + 2 * r + 1);
  const res = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) boxLine(rgb, line, res, y * W * 3 + c, 3, W, r);
    for (let x = 0; x < W; x++) boxLine(rgb, line, res, x * 3 + c, W * 3, H, r);
  }
}

/** Three running-mean passes over one row or column (edge-replicated), written back in place. */
function boxLine(
  buf: Float32Array,
  line: Float32Array,
  res: Float32Array,
  start: number,
  stride: number,
  n: number,
  r: number,
) {
  for (let k = 0; k < n; k++) res[k] = buf[start + k * stride];
  const norm = 1 / (2 * r + 1);
  for (let pass = 0; pass < 3; pass++) {
    for (let k = 0; k < r; k++) {
      line[k] = res[0];
      line[r + n + k] = res[n - 1];
    }
    line[r + n + r] = res[n - 1];
    for (let k = 0; k < n; k++) line[r + k] = res[k];
    let acc = 0;
    for (let k = 0; k <= 2 * r; k++) acc += line[k];
    for (let k = 0; k < n; k++) {
      res[k] = acc * norm;
      acc += line[k + 2 * r + 1] - line[k];
    }
  }
  for (let k = 0; k < n; k++) buf[start + k * stride] = res[k];
}

/**
 * Outline polygons of the visible parts of the line: the band's outer and inner edges (plus a
 * 1.5-pixel margin) sampled every ~2 px along the arc, split into runs that lie in the field of view.
 */
function linePolygons(
  m: EyeModel,
  toPixel: (u: number, v: number) => [number, number],
  pxPerMap: number,
  W: number,
  H: number,
  cx: number,
  cy: number,
  radius: number,
): Polygon[] {
  const hwStage = LINE_HALF_WIDTH[m.stage];
  const margin = 1.5 / pxPerMap;
  const dTheta = 1.5 / (pxPerMap * m.r0 * 1.3);
  const n = Math.ceil((2 * m.arcHalf) / dTheta);
  interface Sample {
    outer: [number, number];
    inner: [number, number];
    visible: boolean;
  }
  const samples: (Sample | null)[] = [];
  const inFov = (p: [number, number]) => Math.hypot(p[0] - cx, p[1] - cy) <= radius + 2;
  for (let k = 0; k <= n; k++) {
    const theta = m.arcCentre - m.arcHalf + k * dTheta;
    const w = arcWeight(m, theta);
    if (w <= 0.1) {
      samples.push(null);
      continue;
    }
    const rl = ridgeRadius(m, theta);
    const hw = hwStage * w;
    const hwIn = hw + raggedness(m, theta) * w;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const outer = toPixel(c * (rl + hw + margin), s * (rl + hw + margin));
    const inner = toPixel(c * (rl - hwIn - margin), s * (rl - hwIn - margin));
    const mid = toPixel(c * rl, s * rl);
    samples.push({ outer, inner, visible: inFov(outer) || inFov(inner) || inFov(mid) });
  }
  const polys: Polygon[] = [];
  let k = 0;
  while (k < samples.length) {
    if (!samples[k]?.visible) {
      k++;
      continue;
    }
    let a = k;
    let b = k;
    while (b + 1 < samples.length && samples[b + 1]?.visible) b++;
    k = b + 1;
    if (a > 0 && samples[a - 1]) a--;
    if (b + 1 < samples.length && samples[b + 1]) b++;
    const run = samples.slice(a, b + 1) as Sample[];
    const pts = [...run.map((s) => s.outer), ...run.reverse().map((s) => s.inner)];
    const cl = (v: number, hi: number) => Math.min(hi, Math.max(0, Math.round(v)));
    polys.push({ x: pts.map((p) => cl(p[0], W - 1)), y: pts.map((p) => cl(p[1], H - 1)) });
  }
  return polys;
}
