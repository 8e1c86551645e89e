export { createSnapshot, saltFingerprint, stageOfLabel } from './snapshot.js';
export { confirmedImages, type ConfirmedImage } from './confirmed-images.js';
export { infantKey, itemId } from './pseudonym.js';
export { chooseMask, defaultLineWidth, rasterizeLine, type ChosenMask } from './snapshot-masks.js';
export type * from './snapshot.types.js';
