// A streaming SHA-256 (WebAssembly): a file is hashed slice by slice, so a
// large recording need not fit in memory (assets/receiptcheck.js).
export { createSHA256 } from 'hash-wasm';
