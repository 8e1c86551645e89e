import { gauss, stream, streamSeed, uniform } from './random.util.js';

export type Eye = 'OD' | 'OS';
export type View = 'posterior' | 'temporal' | 'nasal' | 'superior' | 'inferior';
export type Stage = 0 | 1 | 2 | 3;
export const EYES: readonly Eye[] = ['OD', 'OS'];
export const VIEWS: readonly View[] = ['posterior', 'temporal', 'nasal', 'superior', 'inferior'];

/** A RetCam-like camera: frame size of the paper's data set and a colour cast of its own. */
export interface Device {
  id: string;
  model: string;
  width: number;
  height: number;
  /** Multipliers on R, G, B (RetCam frames run red, Neo frames yellow-green). */
  cast: [number, number, number];
}

export const DEVICES: readonly Device[] = [
  {
    id: 'retcam-1600',
    model: 'PHANTOM RETCAM-LIKE 1600',
    width: 1600,
    height: 1200,
    cast: [1.02, 0.88, 0.95],
  },
  { id: 'retcam-1440', model: 'PHANTOM RETCAM-LIKE 1440', width: 1440, height: 1080, cast: [1.0, 0.95, 0.9] },
  { id: 'neo-640', model: 'PHANTOM NEO-LIKE 640', width: 640, height: 480, cast: [0.93, 1.12, 1.0] },
  { id: 'retcam-720', model: 'PHANTOM RETCAM-LIKE 720', width: 720, height: 480, cast: [1.0, 1.02, 0.85] },
];

/** A vessel piece in retina-map units (disc at the origin; a view's field of view has radius FOV_MAP). */
export interface VesselSegment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Half width in map units. */
  hw: number;
  artery: boolean;
}

/** Radius of one view's circular field of view in map units (the disc-to-ridge distance is ~1). */
export const FOV_MAP = 0.78;
export const DISC_RADIUS = 0.085;

/** Line half width in map units by stage (tuned by calibrate.ts against the HVDROPDB ridge masks). */
export const LINE_HALF_WIDTH: Record<Stage, number> = { 0: 0, 1: 0.0098, 2: 0.017, 3: 0.02 };

/** Everything about one eye that is shared by its five views. */
export interface EyeModel {
  eye: Eye;
  stage: Stage;
  /** +1 when temporal is image-right (OS), -1 when image-left (OD): the disc sits nasally. */
  tSign: number;
  seed: number;
  /** Ridge: r(θ) = r0 (1 + elong cos(θ - θT)) (1 + Σ amp_k sin(kθ + phase_k)), on an arc around arcCentre. */
  r0: number;
  elong: number;
  harmonics: { k: number; amp: number; phase: number }[];
  arcCentre: number;
  arcHalf: number;
  /** Base fundus colour (before device cast and illumination), choroid texture strength. */
  base: [number, number, number];
  choroid: number;
  /** Pale avascular periphery beyond the line: blend weight toward `pale`. */
  pale: [number, number, number];
  paleness: number;
  vessels: VesselSegment[];
  /** Stage 3: tufts (map units) along the posterior edge. */
  tufts: { x: number; y: number; r: number }[];
}

function angleDiff(a: number, b: number): number {
  let d = a - b;
  while (d > Math.PI) d -= 2 * Math.PI;
  while (d < -Math.PI) d += 2 * Math.PI;
  return d;
}

/** Ridge radius at angle θ (map units). */
export function ridgeRadius(m: EyeModel, theta: number): number {
  const thetaT = m.tSign > 0 ? 0 : Math.PI;
  let h = 1;
  for (const { k, amp, phase } of m.harmonics) h += amp * Math.sin(k * theta + phase);
  return m.r0 * (1 + m.elong * Math.cos(theta - thetaT)) * h;
}

/** Weight in [0, 1] of the line at angle θ: 1 inside the arc, tapering to 0 over its last 12 degrees. */
export function arcWeight(m: EyeModel, theta: number): number {
  if (m.stage === 0) return 0;
  const d = Math.abs(angleDiff(theta, m.arcCentre));
  const taper = 0.21;
  if (d >= m.arcHalf) return 0;
  if (d <= m.arcHalf - taper) return 1;
  return (m.arcHalf - d) / taper;
}

/** How far (map units) the posterior edge of a stage-3 ridge reaches beyond its half width, at θ. */
export function raggedness(m: EyeModel, theta: number): number {
  if (m.stage !== 3) return 0;
  const s = m.seed;
  const a =
    Math.sin(23 * theta + (s % 97)) * 0.5 +
    Math.sin(41 * theta + (s % 89)) * 0.35 +
    Math.sin(67 * theta + (s % 83)) * 0.25;
  return Math.max(0, a) * LINE_HALF_WIDTH[3] * 1.4;
}

/** Vessels stop here: at the ridge for stage >= 1, beyond every view for stage 0. */
export function vascularLimit(m: EyeModel, theta: number): number {
  return m.stage === 0 ? 2.2 : ridgeRadius(m, theta) - LINE_HALF_WIDTH[m.stage] * 0.6;
}

export function buildEyeModel(seed: number, infant: number, eye: Eye, stage: Stage): EyeModel {
  const rnd = stream(seed, infant, eye, 'eye');
  const tSign = eye === 'OS' ? 1 : -1;
  const thetaT = tSign > 0 ? 0 : Math.PI;
  const m: EyeModel = {
    eye,
    stage,
    tSign,
    seed: streamSeed(seed, infant, eye, 'noise'),
    r0: uniform(rnd, 0.9, 1.12),
    elong: uniform(rnd, 0.12, 0.26),
    harmonics: [2, 3, 5].map((k) => ({
      k,
      amp: uniform(rnd, 0, 0.035),
      phase: uniform(rnd, 0, 2 * Math.PI),
    })),
    arcCentre: thetaT + uniform(rnd, -0.6, 0.6),
    arcHalf: uniform(rnd, 0.45, 1) * Math.PI,
    base: [uniform(rnd, 175, 215), uniform(rnd, 122, 172), uniform(rnd, 74, 108)],
    choroid: uniform(rnd, 0.03, 0.08),
    pale: [uniform(rnd, 205, 225), uniform(rnd, 170, 190), uniform(rnd, 130, 150)],
    paleness: uniform(rnd, 0.2, 0.35),
    vessels: [],
    tufts: [],
  };
  m.vessels = growVessels(m, stream(seed, infant, eye, 'vessels'));
  if (stage === 3) m.tufts = placeTufts(m, stream(seed, infant, eye, 'tufts'));
  return m;
}

/**
 * A branching tree from the disc: four arcades (supero/infero-temporal around the macula,
 * supero/infero-nasal), each an artery and a vein, bifurcating as they run outwards and stopping at
 * the vascular limit (the ridge). Veins are wider than arteries.
 */
function growVessels(m: EyeModel, rnd: () => number): VesselSegment[] {
  const out: VesselSegment[] = [];
  const thetaT = m.tSign > 0 ? 0 : Math.PI;
  const trunks: { angle: number; temporal: boolean }[] = [
    { angle: thetaT - 0.75, temporal: true },
    { angle: thetaT + 0.75, temporal: true },
    { angle: thetaT + Math.PI - 0.7, temporal: false },
    { angle: thetaT + Math.PI + 0.7, temporal: false },
    { angle: thetaT + Math.PI + uniform(rnd, -0.2, 0.2), temporal: false },
  ];
  interface Tip {
    x: number;
    y: number;
    dir: number;
    hw: number;
    artery: boolean;
    temporal: boolean;
    steps: number;
  }
  const tips: Tip[] = [];
  for (const t of trunks) {
    for (const artery of [false, true]) {
      const a = t.angle + (artery ? 0.12 : -0.12) + uniform(rnd, -0.08, 0.08);
      const main = t.temporal ? 1 : 0.75;
      tips.push({
        x: Math.cos(a) * DISC_RADIUS * 0.3,
        y: Math.sin(a) * DISC_RADIUS * 0.3,
        dir: a,
        hw: (artery ? 0.0068 : 0.0095) * main,
        artery,
        temporal: t.temporal,
        steps: 0,
      });
    }
  }
  const step = 0.018;
  let guard = 0;
  while (tips.length && guard++ < 60000 && out.length < 9000) {
    const tip = tips.pop()!;
    for (;;) {
      const r = Math.hypot(tip.x, tip.y);
      const theta = Math.atan2(tip.y, tip.x);
      if (r >= vascularLimit(m, theta) || tip.hw < 0.0016 || tip.steps > 400) break;
      // Radial pull outward, with the temporal arcades first bowing around the macula.
      const radial = theta;
      let target = radial;
      if (tip.temporal && r < 0.5) target = radial + Math.sign(angleDiff(radial, thetaT)) * 0.5;
      tip.dir += angleDiff(target, tip.dir) * 0.08 + gauss(rnd) * 0.11;
      const nx = tip.x + Math.cos(tip.dir) * step;
      const ny = tip.y + Math.sin(tip.dir) * step;
      out.push({ x0: tip.x, y0: tip.y, x1: nx, y1: ny, hw: tip.hw, artery: tip.artery });
      tip.x = nx;
      tip.y = ny;
      tip.steps++;
      tip.hw *= 0.9975;
      if (rnd() < 0.055 && r > DISC_RADIUS) {
        const side = rnd() < 0.5 ? -1 : 1;
        tips.push({
          ...tip,
          dir: tip.dir + side * uniform(rnd, 0.45, 0.95),
          hw: tip.hw * uniform(rnd, 0.55, 0.75),
          steps: 0,
        });
        tip.hw *= 0.9;
        tip.dir -= side * 0.12;
      }
    }
  }
  return out;
}

function placeTufts(m: EyeModel, rnd: () => number): { x: number; y: number; r: number }[] {
  const tufts: { x: number; y: number; r: number }[] = [];
  const n = 70 + Math.floor(rnd() * 50);
  for (let i = 0; i < n; i++) {
    const theta = m.arcCentre + uniform(rnd, -1, 1) * m.arcHalf * 0.9;
    if (arcWeight(m, theta) < 0.5) continue;
    const rr =
      ridgeRadius(m, theta) - LINE_HALF_WIDTH[3] * uniform(rnd, 0.6, 1.4) - raggedness(m, theta) * 0.6;
    tufts.push({ x: Math.cos(theta) * rr, y: Math.sin(theta) * rr, r: uniform(rnd, 0.004, 0.011) });
  }
  return tufts;
}
