// CommonJS builds for Jest (after tsc). Jest's runtime cannot require() ES modules before Node
// 24.9, so a test file's `require('heapmark')` (what babel-jest and ts-jest make of `import`) needs
// a CommonJS root entry (dist/index.cjs, the "require" condition). The environment and reporter
// modules Jest loads itself are CommonJS too: one bundle per worker-side entry loads faster than
// ~25 ES modules (see bundle-runner.mjs) and does not depend on require(esm).
// Shared chunks sit next to the entries: core/attribution/frames.ts takes the folder two levels above its
// own file as heapmark's code (dist/), as it does for the unbundled and Vitest builds.
import { rolldown } from 'rolldown'
import { readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const external = [/^node:/, 'picocolors', /^@jridgewell\//, 'pprof-format']

async function build(input, output) {
  // Externals are free of side effects (see bundle-runner.mjs): no bare require of an unused built-in.
  const bundle = await rolldown({ input, external, platform: 'node', logLevel: 'warn', treeshake: { moduleSideEffects: 'no-external' } })
  await bundle.write({ format: 'cjs', sourcemap: true, entryFileNames: '[name].cjs', chunkFileNames: 'chunk-[hash].cjs', ...output })
  await bundle.close()
}

// Chunk names carry a content hash: drop the previous build's, which nothing refers to any more.
for (const name of readdirSync(`${dist}jest`)) if (name.startsWith('chunk-')) rmSync(`${dist}jest/${name}`)
await build({ index: `${dist}index.js` }, { dir: dist })
await build(
  Object.fromEntries(['index', 'environment', 'jsdom', 'reporter', 'test-runner'].map((name) => [name, `${dist}jest/${name}.js`])),
  { dir: `${dist}jest`, exports: 'named' },
)
