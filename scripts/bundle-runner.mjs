// Bundles the heapmark code every test process loads: heapmark's Vitest runner (every test worker)
// and its node:test register module (every test file's process); and the entries the runners' main
// processes and the CLI load (below). Measured: loading heapmark's ~25
// worker-side modules cost ~50 ms per worker, 1.12x on a 201-test suite with heapmark doing nothing
// else; one file loads in a fraction of that (docs/measuring.md).
// What a worker runs is a CommonJS bundle (`format: 'cjs'`, written next to its entry as .cjs),
// loaded through core/load/cached-bundle.ts with a V8 code cache; the ES modules the runner and
// Node load (runner.js, register.js) are only small loaders around them. register.js loads its
// bundle only when a HEAPMARK* variable is set.
// Vitest, Node's built-ins and heapmark's runtime dependencies stay external: they are shared with
// the rest of the process, and the dependencies load lazily, only when needed.
import { rolldown } from 'rolldown'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const bundles = [
  { entry: '../dist/vitest/runner.js' },
  { entry: '../dist/vitest/runner-worker.js', format: 'cjs' },
  { entry: '../dist/node/register.js', sideEffectFreeExternals: true },
  { entry: '../dist/node/register-worker.js', format: 'cjs', sideEffectFreeExternals: true },
  // The process that runs `node --test` loads heapmark's node:test reporter: ~30 ES modules cost it
  // ~27 ms, one bundle a fraction of that (docs/measuring.md, "node:test").
  { entry: '../dist/node/reporter.js', chunkPrefix: 'reporter-', sideEffectFreeExternals: true },
  // The same for the Vitest main process, which loads heapmark/vitest with the config (51 ES modules,
  // ~28 ms of CPU a run), for `heapmark run` (75 modules) and for test files importing `heapmark`
  // (20 modules, in every test worker that runs one).
  { entry: '../dist/vitest/index.js', chunkPrefix: 'index-', sideEffectFreeExternals: true },
  { entry: '../dist/cli/bin.js', chunkPrefix: 'bin-', sideEffectFreeExternals: true },
  { entry: '../dist/index.js', chunkPrefix: 'index-', sideEffectFreeExternals: true },
]
for (const { entry: relative, chunkPrefix, sideEffectFreeExternals, format = 'esm' } of bundles) {
  const entry = fileURLToPath(new URL(relative, import.meta.url))
  const bundle = await rolldown({
    input: entry,
    external: [/^node:/, /^vitest(\/|$)/, 'picocolors', /^@jridgewell\//, 'pprof-format'],
    logLevel: 'warn',
    // An import whose bindings all went unused stays as a bare `import "node:crypto"` unless
    // externals are known to be free of side effects (Node's built-ins and heapmark's dependencies
    // are): a node:test process then loaded node:crypto's 19 modules for nothing (~2 ms each process).
    // Not for the Vitest runner (yet): its workers' start-up heap changed, and the live-peak e2e
    // test "churn holding 8 MiB" (default mode) then failed in 3 of 5 runs (0 of 5 before): the
    // default live-peak bound is sensitive to when V8's GCs fall, which a smaller start-up heap moved.
    ...(sideEffectFreeExternals ? { treeshake: { moduleSideEffects: 'no-external' } } : {}),
  })
  const output = chunkPrefix
    ? { dir: path.dirname(entry), entryFileNames: path.basename(entry), chunkFileNames: `${chunkPrefix}[name].js` }
    : { file: format === 'cjs' ? entry.replace(/\.js$/, '.cjs') : entry }
  // No comments in what workers compile: they are half of the source V8 reads (the source map keeps them).
  await bundle.write({ ...output, format, sourcemap: true, ...(format === 'cjs' ? { comments: false } : {}) })
  await bundle.close()
}
