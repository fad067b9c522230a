// Bundles heapmark's Vitest runner (the code every test worker loads) into one file.
// Measured: loading heapmark's ~25 worker-side modules cost ~50 ms per worker, 1.12x on a 201-test
// suite with heapmark doing nothing else; one file loads in a fraction of that (docs/measuring.md).
// Vitest, Node's built-ins and heapmark's runtime dependencies stay external: they are shared with
// the rest of the process, and the dependencies load lazily, only when needed.
import { rolldown } from 'rolldown'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../dist/vitest/runner.js', import.meta.url))
const bundle = await rolldown({
  input: entry,
  external: [/^node:/, /^vitest(\/|$)/, 'picocolors', /^@jridgewell\//, 'pprof-format'],
  logLevel: 'warn',
})
await bundle.write({ file: entry, format: 'esm', sourcemap: true })
await bundle.close()
