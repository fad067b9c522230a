/**
 * The package as users get it (issue 14, point 3). A fresh copy of the repository (the files git
 * knows, without dist/) is packed with `npm pack`, which must build it first (`prepack`); the
 * tarball's shape is checked with publint and @arethetypeswrong/cli (scripts/check-package.mjs);
 * then it is installed into a fresh project, offline, and a real Vitest run measures its tests.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childEnv, createFixtureDir, repoRoot, resolveE2eEnv, runNodeInFixture } from '../helpers/run-fixture.js'

const env = resolveE2eEnv()
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string
  exports: Record<string, string | Record<string, unknown>>
  dependencies: Record<string, string>
}
const work = join(repoRoot, `.tmp/package-test-${process.pid}`)
const tarball = join(work, `heapmark-${manifest.version}.tgz`)
let packOutput = ''
let packedFiles: string[] = []

function sh(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): string {
  return execFileSync(command, args, { cwd, env: childEnv(extraEnv), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

beforeAll(() => {
  // A clone as a user has it: the files git tracks (plus new, not ignored ones), so no dist/.
  const clone = join(work, 'clone')
  mkdirSync(clone, { recursive: true })
  const files = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repoRoot).split('\0').filter(Boolean)
  for (const file of files) if (existsSync(join(repoRoot, file))) cpSync(join(repoRoot, file), join(clone, file), { recursive: true })
  expect(existsSync(join(clone, 'dist'))).toBe(false)
  // The build tools come from the repo's install (what `npm ci` in the clone would give it).
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'))
  packOutput = sh('npm', ['pack', '--pack-destination', work, '--foreground-scripts'], clone)
  packedFiles = sh('tar', ['-tzf', tarball], work).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''))
}, 180_000)

afterAll(() => {
  if (process.env.HEAPMARK_E2E_KEEP !== '1') rmSync(work, { recursive: true, force: true })
})

describe('npm pack on a fresh clone', () => {
  it('builds before packing, and ships every file the exports point to', () => {
    expect(packOutput).toContain('> npm run build')
    // npm runs `prepare` after `prepack`: it sees the fresh build and does not build again.
    expect(packOutput).toContain('dist/ is up to date')
    const targets = Object.values(manifest.exports).flatMap(function leaves(t: unknown): string[] {
      return typeof t === 'string' ? [t] : Object.values(t as Record<string, unknown>).flatMap(leaves)
    })
    expect(targets.length).toBeGreaterThan(15)
    for (const target of targets) expect(packedFiles, target).toContain(target.replace(/^\.\//, ''))
    expect(packedFiles).toContain('dist/cli/bin.js')
    expect(packedFiles).toContain('dist/cjs-types/package.json')
    expect(packedFiles).not.toContain('dist/.build-inputs')
    expect(packedFiles.filter((f) => f.startsWith('test/') || f.startsWith('scripts/'))).toEqual([])
  })

  it('passes publint and @arethetypeswrong/cli on the tarball (exports, types, ESM/CJS per subpath)', () => {
    let output: string
    try {
      output = sh(process.execPath, [join(repoRoot, 'scripts/check-package.mjs'), tarball], work)
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string }
      throw new Error(`check-package failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
    }
    expect(output).toContain('== publint: passed')
    // Every subpath went through one of the two attw runs.
    expect(output).toMatch(/attw \(CommonJS-capable subpaths\).*--entrypoints \. jest jest\/environment jest\/jsdom jest\/reporter/)
    expect(output).toMatch(/attw \(ES-module-only subpaths\).*--entrypoints vitest vitest\/runner node\/register node\/reporter/)
    expect(output.match(/: passed$/gm)).toHaveLength(3)
    expect(output).toContain('"heapmark/jest/environment"\n\nnode16 (from CJS): 🟢 (CJS)\nnode16 (from ESM): 🟢 (CJS)')
  })
})

describe('the tarball installed into a fresh project', () => {
  it('runs a real Vitest run with heapmark, as a user would', async () => {
    const dir = await createFixtureDir({
      'vitest.config.ts': [
        `import { defineConfig } from 'vitest/config'`,
        `import { heapmark } from 'heapmark/vitest'`,
        `export default defineConfig({ plugins: [heapmark()] })`,
        '',
      ].join('\n'),
      'src/table.ts': `export function buildTable(rows: number) { return Array.from({ length: rows }, (_, i) => ({ id: i, name: 'row ' + i })) }\n`,
      'test/table.test.ts': [
        `import { expect, it } from 'vitest'`,
        `import { limitMemory } from 'heapmark'`,
        `import { buildTable } from '../src/table'`,
        `it('builds a large table', limitMemory('200 MB', () => { expect(buildTable(200_000)).toHaveLength(200_000) }))`,
        `it('fits a tiny limit', limitMemory('1 MB', () => { expect(buildTable(200_000)).toHaveLength(200_000) }))`,
        '',
      ].join('\n'),
      'check-cjs.cjs': [
        `const heapmark = require('heapmark'), jest = require('heapmark/jest')`,
        `console.log(JSON.stringify({ root: require.resolve('heapmark'), limitMemory: typeof heapmark.limitMemory, withHeapmark: typeof jest.withHeapmark }))`,
        '',
      ].join('\n'),
    })
    installTarballOffline(dir)

    const cjs = JSON.parse(sh(env.node, ['check-cjs.cjs'], dir)) as Record<string, string>
    expect(cjs).toEqual({ root: join(dir, 'node_modules/heapmark/dist/index.cjs'), limitMemory: 'function', withHeapmark: 'function' })

    // `npx heapmark run -- vitest run`, with the bin npm linked from the tarball.
    const bin = join(dir, 'node_modules/.bin/heapmark')
    const run = await runNodeInFixture(dir, [bin, 'run', '--json', 'memory.json', '--', 'vitest', 'run', '--reporter=default'],
      childEnv(), 120_000, () => { throw new Error('not rerun') })
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toContain('MemoryLimitError: Test was limited to 1.0 MiB (1 MB)')
    expect(run.output).toContain('heapmark: memory report (2 tests measured')
    expect(run.output).toMatch(/- buildTable at src\/table\.ts:1 -> \d/)
    const report = run.readJson('memory.json') as { tests: Array<{ name: string; peakBytes: number; limit?: { exceeded: boolean } }> }
    const byName = Object.fromEntries(report.tests.map((t) => [t.name, t]))
    // 200k small objects: well over 4 MiB of heap at the peak (each row is ~50 bytes or more).
    expect(byName['test/table.test.ts > builds a large table']!.peakBytes).toBeGreaterThan(4 * 2 ** 20)
    expect(byName['test/table.test.ts > fits a tiny limit']!.limit?.exceeded).toBe(true)
  })
})

/**
 * `npm ci --offline` of the tarball. npm cannot resolve heapmark's dependencies' version ranges
 * offline (it would need the registry's metadata), so the fixture gets a lockfile: the tarball
 * itself, and heapmark's dependencies exactly as the repo's own lockfile pins them (their tarballs
 * are in npm's cache from the repo's `npm ci`).
 */
function installTarballOffline(dir: string): void {
  const rootLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> }
  const file = `file:${tarball}`
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  const packed = JSON.parse(sh('tar', ['-xzOf', tarball, 'package/package.json'], work)) as Record<string, unknown>
  const packages: Record<string, unknown> = {
    '': { dependencies: { heapmark: file } },
    'node_modules/heapmark': {
      version: packed.version, resolved: file, integrity, license: packed.license, dependencies: packed.dependencies,
      engines: packed.engines, bin: { heapmark: 'dist/cli/bin.js' },
      peerDependencies: packed.peerDependencies, peerDependenciesMeta: packed.peerDependenciesMeta,
    },
  }
  const todo = Object.keys(manifest.dependencies)
  while (todo.length > 0) {
    const key = `node_modules/${todo.pop()!}`
    if (packages[key]) continue
    if (!rootLock.packages[key]) throw new Error(`${key} is not in the repo's package-lock.json`)
    for (const [path, entry] of Object.entries(rootLock.packages)) {
      if (path !== key && !path.startsWith(`${key}/node_modules/`)) continue
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry
      packages[path] = kept
    }
    todo.push(...Object.keys((rootLock.packages[key]!.dependencies ?? {}) as Record<string, string>))
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: { heapmark: file } }, null, 2))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2))
  sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir)
  expect(existsSync(join(dir, 'node_modules/heapmark/dist/vitest/index.js'))).toBe(true)
}
