export * from './eye.model.js';
export * from './fundus.render.js';
export * from './jpeg422.encoder.js';
export * from './mask-metrics.js';
export * from './op-dicom.js';
export * from './phantom.generator.js';
export * from './via.format.js';
