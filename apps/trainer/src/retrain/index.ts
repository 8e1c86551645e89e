export * from './retrain.js';
export * from './retrain-report.js';
