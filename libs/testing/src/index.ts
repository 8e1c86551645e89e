export * from './fundus-like.fixture.js';
export * from './python-oracle.js';
export * from './synthetic-images.fixture.js';
