export * from './errors.js';
export * from './image.js';
export * from './plugin.js';
export * from './seeded-random.js';
export * from './wasm-arena.js';
