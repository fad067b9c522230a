// Bundles the heapmark code every test process loads: heapmark's Vitest runner (every test worker)
// and its node:test register module (every test file's process; what it needs only when heapmark
// is on goes into a chunk loaded on demand). Measured: loading heapmark's ~25 worker-side modules
// cost ~50 ms per worker, 1.12x on a 201-test suite with heapmark doing nothing else; one file
// loads in a fraction of that (docs/measuring.md).
// Vitest, Node's built-ins and heapmark's runtime dependencies stay external: they are shared with
// the rest of the process, and the dependencies load lazily, only when needed.
import { rolldown } from 'rolldown'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const bundles = [
  { entry: '../dist/vitest/runner.js' },
  { entry: '../dist/node/register.js', chunkPrefix: 'register-' },
]
for (const { entry: relative, chunkPrefix } of bundles) {
  const entry = fileURLToPath(new URL(relative, import.meta.url))
  const bundle = await rolldown({
    input: entry,
    external: [/^node:/, /^vitest(\/|$)/, 'picocolors', /^@jridgewell\//, 'pprof-format'],
    logLevel: 'warn',
  })
  const output = chunkPrefix
    ? { dir: path.dirname(entry), entryFileNames: path.basename(entry), chunkFileNames: `${chunkPrefix}[name].js` }
    : { file: entry }
  await bundle.write({ ...output, format: 'esm', sourcemap: true })
  await bundle.close()
}
