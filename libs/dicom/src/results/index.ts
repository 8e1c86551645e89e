// Result objects written back to PACS: SC overlay and staging SR (pure builders, deterministic UIDs).
export { deriveUid } from './uid.derive.js';
export { buildOverlaySc, overlayUids, MF_TRUE_COLOR_SC_SOP_CLASS } from './sc.builder.js';
export { buildStagingSr, stagingSrUids, COMPREHENSIVE_SR_SOP_CLASS } from './sr.builder.js';
export { Codes, STAGE_CODES, type Code } from './sr.codes.js';
export { LINE_RGB, EDGE_RGB, FILL_ALPHA } from './overlay.render.js';
export { DISCLAIMER, captionLines } from './caption.render.js';
export type * from './results.types.js';
