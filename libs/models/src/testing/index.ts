// Test fixtures, exported as '@ropline/models/testing' for other libs' and apps' tests. Not for production.
export { TINY_SIZE, writeTinyPipeline } from './tiny-pipeline.fixture.js';
