/**
 * What a node:test process loads once heapmark may be on: register.ts runs it as one CommonJS
 * bundle with a V8 code cache (core/load/cached-bundle.ts), since every test file's process would
 * otherwise compile it afresh.
 */
export { registerOptions } from './options.js'
export { NodeTestWorker } from './worker.js'
