// dcmjs ships no type declarations; reader/dcmjs.adapter.ts narrows the module to the few
// members this lib uses.
declare module 'dcmjs';
