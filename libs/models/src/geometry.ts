/**
 * The pure mask-geometry helpers without TensorFlow.js: `@ropline/models/geometry` for processes that
 * only draw or describe masks (the viewer's publisher) and must not load a compute backend.
 */
export { labelComponents, type ComponentLabels, type ComponentStats } from './mask-geometry/connected-components.util.js';
export { signedArea2, traceOuterContour } from './mask-geometry/contour-trace.util.js';
export { distanceToSegment, simplifyClosedPolygon } from './mask-geometry/polygon-simplify.util.js';
