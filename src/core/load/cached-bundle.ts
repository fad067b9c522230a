/**
 * Loads one of heapmark's CommonJS bundles with a V8 code cache.
 *
 * Every test worker (every test file's process under node:test) compiles heapmark's worker code
 * afresh: parsing its ~100 KB bundle, then compiling each function the first time it runs. A code
 * cache made once a worker's first file is done holds the bytecode of every function that ran by
 * then, so later workers skip both: ~3.5 ms per worker, about 2 points of the cost ratio on a suite
 * of 10 small files (docs/measuring.md, "A code cache for heapmark's worker code").
 *
 * The cache lives in the project's `node_modules/.cache/heapmark`, where Babel, ESLint and others
 * keep theirs: it is as trusted as the packages beside it (bytecode is code), and never in a
 * shared temporary folder. V8 checks an entry against the source and the flags it was made with;
 * a missing or rejected entry is written again by the next worker that finishes a file. Nothing
 * here may fail a run: a folder that cannot be written only costs the speed-up.
 * `HEAPMARK_CODE_CACHE=0` switches it off.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import Module, { createRequire, isBuiltin } from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

/** off: no cache folder; missing: no entry yet; used: V8 took the entry; rejected: V8 refused it. */
export type CodeCacheState = 'off' | 'missing' | 'used' | 'rejected'

export interface LoadedBundle<T> {
  exports: T
  cache: CodeCacheState
  /**
   * Writes this bundle's code cache when the worker started without a usable one. Call once the
   * worker ran most of heapmark's code (after its first test file): the cache keeps only functions
   * compiled by then. Later calls do nothing.
   */
  saveCodeCache(): void
}

export interface BundleLoadOptions {
  /** Where code caches are kept (codeCacheDir()); undefined: no cache. */
  cacheDir: string | undefined
  /**
   * What else changes V8's flags in this process (for example a flag the main process set for
   * its worker threads): part of the entry's name, so two modes do not keep replacing each other's
   * entry, which V8 would reject for the other.
   */
  variant?: string
}

/** The folder for code caches of a project rooted at (or below) `projectRoot`; undefined: none. */
export function codeCacheDir(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.HEAPMARK_CODE_CACHE?.trim().toLowerCase()
  if (setting === '0' || setting === 'false' || setting === 'off') return undefined
  // The nearest node_modules going up, as find-cache-dir does: a monorepo package's tests run from
  // its own folder while the packages sit at the repository's root.
  for (let dir = path.resolve(projectRoot); ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules')
    if (existsSync(modules)) return path.join(modules, '.cache', 'heapmark')
    if (path.dirname(dir) === dir) return undefined
  }
}

/** Runs a CommonJS bundle of heapmark as `require` would, with its code cache when there is one. */
export function loadBundle<T>(file: string, options: BundleLoadOptions): LoadedBundle<T> {
  const source = readFileSync(file, 'utf8')
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, entryName(file, options.variant ?? '')) : undefined
  let cachedData: Buffer | undefined
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile)
    } catch {
      // No entry yet: this worker writes one.
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) })
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void
  const module = { exports: {} as T }
  wrapper.call(module.exports, module.exports, bundleRequire(file), module, file, path.dirname(file))
  const cache: CodeCacheState = !cacheFile ? 'off' : !cachedData ? 'missing' : script.cachedDataRejected === true ? 'rejected' : 'used'
  let pending = cache === 'missing' || cache === 'rejected'
  return {
    exports: module.exports,
    cache,
    saveCodeCache() {
      if (!pending || !cacheFile) return
      pending = false
      writeEntry(cacheFile, script.createCachedData())
    },
  }
}

/**
 * The bundle's `require`: Node's built-ins (all it loads when it starts) straight from
 * `process.getBuiltinModule`, a real require (~0.5 ms to make in a fresh process) only for a
 * package, at first use. The bundles call nothing else on it (no `require.resolve`).
 */
function bundleRequire(file: string): NodeJS.Require {
  let packages: NodeJS.Require | undefined
  const load = (id: string): unknown => (isBuiltin(id) ? process.getBuiltinModule(id) : (packages ??= createRequire(file))(id))
  return load as NodeJS.Require
}

/**
 * One entry per bundle build, Node version, platform and flag set: `<bundle>@<build>@<runtime>`.
 * The build is told by the file's size and modification time (hashing 130 KB would cost what the
 * cache saves); V8 checks the source's length and the flags itself and rejects what does not match.
 */
function entryName(file: string, variant: string): string {
  const stat = statSync(file)
  const flags = hash([process.execArgv.join(' '), process.env.NODE_OPTIONS ?? '', variant].join('\0'))
  return `${path.basename(file)}@${stat.size}.${Math.trunc(stat.mtimeMs)}@${process.version}-${process.platform}-${process.arch}-${flags}.v8cache`
}

/** Written whole or not at all: workers finishing together each write their own file, then rename. */
function writeEntry(cacheFile: string, data: Buffer): void {
  const dir = path.dirname(cacheFile)
  const temporary = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(temporary, data)
    renameSync(temporary, cacheFile)
    removeOtherBuilds(dir, path.basename(cacheFile))
  } catch {
    // A read-only or full disk: the next worker compiles as it would without a cache.
    try {
      rmSync(temporary, { force: true })
    } catch {
      // Not even a folder there.
    }
  }
}

/** Entries of earlier builds of the same bundle would never be read again. */
function removeOtherBuilds(dir: string, kept: string): void {
  const [bundle, build] = kept.split('@')
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${bundle}@`) && !name.startsWith(`${bundle}@${build}@`) && name.endsWith('.v8cache')) rmSync(path.join(dir, name), { force: true })
  }
}

/** FNV-1a, 32 bits: tells flag sets apart in a file name (not a security boundary). */
function hash(text: string): string {
  let value = 0x811c9dc5
  for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 0x01000193)
  return (value >>> 0).toString(36)
}
