import { initWasm, tf } from './init.js';
await initWasm();
const be = tf.backend() as any;
console.log(Object.keys(be.wasm).filter(k => /mem|HEAP|asm|export/i.test(k)), be.wasm.wasmMemory, be.wasm.asm && Object.keys(be.wasm.asm).length);
console.log(Object.keys(be.wasm).filter(k=>k.startsWith('_')).join(' '));
