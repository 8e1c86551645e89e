export * from './fundus-like.fixture.js';
export * from './python-oracle.js';
export * from './synthetic-images.fixture.js';
export * from './wasm-build.check.js';
