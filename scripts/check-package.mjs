// Checks the shape of the packed package, as users install it: `node scripts/check-package.mjs
// <heapmark-x.y.z.tgz>` (test/e2e/package.test.ts packs a fresh copy of the repo and runs this).
// Both tools read the local tarball only; neither needs the network.
//
// - publint --strict: every `exports` target exists in the tarball, conditions are in an order
//   resolvers honour ("types" first), each file's format (ESM/CJS) matches its extension and the
//   package's "type", and the usual package.json mistakes; warnings count as errors.
// - @arethetypeswrong/cli: resolves every subpath the way TypeScript does (node16 from CommonJS,
//   node16 from ESM, bundler) and checks that the types found are of the same module kind as the
//   JavaScript (no "masquerading" ESM/CJS), that named exports match, and that nothing fails to
//   resolve. Two runs, split by what each subpath is for:
//     - subpaths with CommonJS JavaScript (the root's "require", Jest's .cjs entries): profile
//       node16, every rule, from CommonJS and from ESM;
//     - ES-module-only subpaths (Vitest plugin and runner, node:test hooks: their runners load them
//       with import): profile esm-only, so "a require() finds ESM" is not counted against them.
//   node10 resolution (TypeScript's legacy moduleResolution, which ignores `exports`) is not
//   checked: heapmark's subpaths only exist through `exports`, as Vitest's own do.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const tarball = process.argv[2]
if (!tarball) {
  console.error('usage: node scripts/check-package.mjs <packed .tgz>')
  process.exit(2)
}
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))

const { cjs, esm } = entrypointsByKind(readPackedManifest(tarball))
// attw's "auto" format picks a table or a per-entrypoint listing from the terminal's width, which
// differs between a shell and CI: the listing always, so the output reads the same everywhere.
const attwFormat = ['--format', 'ascii']
let failed = false
run('publint', [bin('publint'), 'run', tarball, '--strict'])
run('attw (CommonJS-capable subpaths)', [bin('attw'), tarball, '--no-definitely-typed', '--profile', 'node16', ...attwFormat, '--entrypoints', ...cjs])
run('attw (ES-module-only subpaths)', [bin('attw'), tarball, '--no-definitely-typed', '--profile', 'esm-only', ...attwFormat, '--entrypoints', ...esm])
process.exit(failed ? 1 : 0)

function run(label, [command, ...args]) {
  console.log(`\n== ${label}: ${[command.split('/').pop(), ...args].join(' ')}`)
  try {
    process.stdout.write(execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } }))
    console.log(`== ${label}: passed`)
  } catch (error) {
    process.stdout.write(`${error.stdout ?? ''}${error.stderr ?? ''}`)
    console.log(`== ${label}: FAILED (exit ${error.status})`)
    failed = true
  }
}

function readPackedManifest(file) {
  const dir = mkdtempSync(join(tmpdir(), 'heapmark-check-'))
  try {
    execFileSync('tar', ['-xzf', file, '-C', dir, 'package/package.json'])
    return JSON.parse(readFileSync(join(dir, 'package/package.json'), 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Subpaths (as attw names them: "." or "jest/reporter") with CommonJS JavaScript, and the rest. */
function entrypointsByKind(manifest) {
  const cjs = [], esm = []
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === './package.json') continue
    const name = subpath === '.' ? '.' : subpath.slice(2)
    const hasCjs = typeof target === 'object' && ('require' in target || /\.cjs$/.test(target.default ?? ''))
    ;(hasCjs ? cjs : esm).push(name)
  }
  return { cjs, esm }
}
