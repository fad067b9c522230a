/**
 * heapmark's bundle loader with a V8 code cache (cached-bundle.ts), on real files and V8's real
 * code cache: what a worker finds, what it writes, and that nothing about the cache can fail a run.
 * Each load runs in a fresh Node process, as each worker is one: within one process V8 reuses a
 * script it compiled already and never reads the entry. The loader is this repository's source,
 * transpiled for the child. The e2e side (Vitest and node:test workers reading an entry a first
 * run wrote) is in test/e2e/code-cache.test.ts.
 */
import { afterEach, beforeEach, expect, test } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import ts from 'typescript'
import { codeCacheDir } from '../../../../src/core/load/cached-bundle.js'

const loaderSource = new URL('../../../../src/core/load/cached-bundle.ts', import.meta.url)

interface LoadOutcome {
  cache: string
  /** What the bundle's functions returned: exports, a Node built-in, a file beside it. */
  results: [number, string, string]
  saveError?: string
}

let dir: string
let file: string
let cacheDir: string
let loader: string

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'heapmark-cached-bundle-'))
  loader = path.join(dir, 'cached-bundle.mjs')
  writeFileSync(loader, ts.transpileModule(readFileSync(loaderSource, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText)
  file = path.join(dir, 'worker.cjs')
  cacheDir = path.join(dir, 'node_modules', '.cache', 'heapmark')
  writeFileSync(
    file,
    [
      'exports.add = function add(a, b) { return a + b }',
      'exports.separator = function separator() { return require("node:path").sep }',
      'exports.sibling = function sibling() { return require("./sibling.cjs").name }',
    ].join('\n'),
  )
  writeFileSync(path.join(dir, 'sibling.cjs'), 'exports.name = "sibling"')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const entries = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : [])

/** Loads the bundle in a fresh process (a worker), calls its functions, then saves the code cache. */
function load(options: { cacheDir: string | undefined; variant?: string }): LoadOutcome {
  const script = `
    import { loadBundle } from ${JSON.stringify(loader)}
    const bundle = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(options)})
    const results = [bundle.exports.add(2, 3), bundle.exports.separator(), bundle.exports.sibling()]
    let saveError
    try { bundle.saveCodeCache() } catch (error) { saveError = String(error) }
    console.log(JSON.stringify({ cache: bundle.cache, results, saveError }))`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  expect(child.stderr).toBe('')
  expect(child.status).toBe(0)
  return JSON.parse(child.stdout) as LoadOutcome
}

test('runs the bundle as require would: its exports, Node built-ins and files beside it', () => {
  expect(load({ cacheDir: undefined })).toEqual({ cache: 'off', results: [5, path.sep, 'sibling'] })
  expect(existsSync(path.join(dir, 'node_modules'))).toBe(false)
})

test('the first worker writes an entry once it ran; the next one uses it and writes nothing', () => {
  expect(load({ cacheDir })).toEqual({ cache: 'missing', results: [5, path.sep, 'sibling'] })
  const [entry] = entries()
  expect(entries()).toHaveLength(1)
  expect(entry).toMatch(new RegExp(`^worker\\.cjs@\\d+\\.\\d+@${process.version.replace(/\./g, '\\.')}-${process.platform}-${process.arch}-\\w+\\.v8cache$`))
  const written = statSync(path.join(cacheDir, entry!)).mtimeMs

  expect(load({ cacheDir })).toEqual({ cache: 'used', results: [5, path.sep, 'sibling'] })
  expect(entries()).toEqual([entry])
  expect(statSync(path.join(cacheDir, entry!)).mtimeMs).toBe(written)
})

test('an entry V8 refuses is written again, and is used after that', () => {
  load({ cacheDir })
  const [entry] = entries()
  writeFileSync(path.join(cacheDir, entry!), Buffer.from('not a code cache'))

  expect(load({ cacheDir })).toEqual({ cache: 'rejected', results: [5, path.sep, 'sibling'] })
  expect(readFileSync(path.join(cacheDir, entry!)).toString()).not.toBe('not a code cache')
  expect(load({ cacheDir }).cache).toBe('used')
})

test("flag sets and modes get entries of their own; a new build removes the old build's entries only", () => {
  load({ cacheDir })
  load({ cacheDir, variant: 'live-peak' })
  expect(entries()).toHaveLength(2)
  writeFileSync(path.join(cacheDir, 'other.cjs@1.2@v0-x.v8cache'), 'another bundle')
  writeFileSync(path.join(cacheDir, 'history.json'), '{}')

  // A new build of the same bundle: another size.
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n// rebuilt`)
  expect(load({ cacheDir }).cache).toBe('missing')
  const left = entries().sort()
  expect(left).toHaveLength(3)
  expect(left).toContain('history.json')
  expect(left).toContain('other.cjs@1.2@v0-x.v8cache')
  expect(left.filter((name) => name.startsWith('worker.cjs@'))).toHaveLength(1)
  expect(load({ cacheDir }).cache).toBe('used')
})

test('a cache folder that cannot be written costs only the speed-up', () => {
  mkdirSync(path.dirname(cacheDir), { recursive: true })
  writeFileSync(cacheDir, 'a file where the folder should be')
  expect(load({ cacheDir })).toEqual({ cache: 'missing', results: [5, path.sep, 'sibling'] })
  expect(readdirSync(path.dirname(cacheDir))).toEqual(['heapmark'])
})

test('the folder: the nearest node_modules going up, none without one, none when switched off', () => {
  const project = path.join(dir, 'packages', 'app')
  mkdirSync(project, { recursive: true })
  mkdirSync(path.join(dir, 'node_modules'))
  expect(codeCacheDir(project, {})).toBe(path.join(dir, 'node_modules', '.cache', 'heapmark'))
  mkdirSync(path.join(project, 'node_modules'))
  expect(codeCacheDir(project, {})).toBe(path.join(project, 'node_modules', '.cache', 'heapmark'))
  for (const off of ['0', 'false', 'off', ' OFF ']) expect(codeCacheDir(project, { HEAPMARK_CODE_CACHE: off })).toBeUndefined()
  expect(codeCacheDir(project, { HEAPMARK_CODE_CACHE: '1' })).toBe(path.join(project, 'node_modules', '.cache', 'heapmark'))
  // Outside any project: the file system's root has no node_modules here.
  expect(existsSync('/node_modules')).toBe(false)
  expect(codeCacheDir('/', {})).toBeUndefined()
})
