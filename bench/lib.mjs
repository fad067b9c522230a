// What the bench scripts (run.mjs, jest.mjs, node-test.mjs) share: timing a Node child process
// (wall, and CPU of its whole process tree through /usr/bin/time), a scrubbed child environment,
// the small number/table formatters of their output, and heapmark installed as users have it. Plain ESM, no dependencies.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'

export const TIME = '/usr/bin/time'
export const hasTime = existsSync(TIME)
const timeFile = join(mkdtempSync(join(tmpdir(), 'heapmark-bench-')), 'time.txt')
process.once('exit', () => rmSync(dirname(timeFile), { recursive: true, force: true }))

/**
 * The environment children start from: this process's, without what changes a runner's reporter
 * or behaviour (CI and coding-tool variables, NODE_OPTIONS) or turns heapmark on. `extraPrefixes`:
 * more variable name prefixes to drop (e.g. JEST).
 */
export function scrubbedEnv(extraPrefixes = []) {
  const prefixes = ['CLAUDE', 'AGENT', 'CODEX', 'CURSOR', 'GITHUB_', 'VITEST', 'HEAPMARK', ...extraPrefixes]
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (key === 'CI' || key === 'NODE_OPTIONS' || prefixes.some((prefix) => key.startsWith(prefix))) delete env[key]
  }
  env.NO_COLOR = '1'
  return env
}

/**
 * Runs `node <args>` in `cwd` and waits. Returns spawnSync's status, signal, stdout and stderr plus
 * `wall` (ms) and `cpu` (ms of user+sys of the whole process tree; null without /usr/bin/time).
 */
export function timedNode(args, { cwd, env }) {
  const command = hasTime ? TIME : process.execPath
  const commandArgs = hasTime ? ['-o', timeFile, '-f', '%U %S', process.execPath, ...args] : args
  const start = performance.now()
  const run = spawnSync(command, commandArgs, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const wall = performance.now() - start
  let cpu = null
  if (hasTime && run.status !== null) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number)
    cpu = (user + sys) * 1000
  }
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr, wall, cpu }
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
export const sec = (ms) => `${(ms / 1000).toFixed(2)}s`
export const ratio = (r) => `${r.toFixed(3)}x`

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ')
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const gcCounter = join(dirname(new URL(import.meta.url).pathname), 'gc-count.mjs')

/**
 * Environment that makes every Node process of one run count its GCs (bench/gc-count.mjs), and a
 * function that sums them once the run is over: { markCompacts, scavenges } over the process tree.
 * `base`: the NODE_OPTIONS the run needs anyway.
 */
export function gcCounting(base = '') {
  const dir = mkdtempSync(join(tmpdir(), 'heapmark-bench-gc-'))
  const env = { BENCH_GC_DIR: dir, NODE_OPTIONS: `${base} --import=${gcCounter}`.trim() }
  const collect = () => {
    const total = { markCompacts: 0, scavenges: 0 }
    for (const name of readdirSync(dir)) {
      try {
        const counts = JSON.parse(readFileSync(join(dir, name), 'utf8'))
        total.markCompacts += counts.markCompacts
        total.scavenges += counts.scavenges
      } catch {
        // Half-written by a process killed mid-write: its counts are lost, say nothing.
      }
    }
    rmSync(dir, { recursive: true, force: true })
    return total
  }
  return { env, collect }
}

/** "mark-compacts on/off, scavenges on/off" from per-run counts: medians of each variant's runs. */
export function gcColumns(offRuns, onRuns) {
  const m = (runs, key) => median(runs.map((r) => r.gc?.[key] ?? 0))
  return [`${m(onRuns, 'markCompacts')} / ${m(offRuns, 'markCompacts')}`, `${m(onRuns, 'scavenges')} / ${m(offRuns, 'scavenges')}`]
}

export const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' / ')

/**
 * Copies the built package into `<dir>/node_modules/heapmark`, as an install lays it out: resolved
 * from the repo itself, Vite would transform heapmark's modules for every worker (bench/run.mjs).
 */
export function installHeapmarkCopy(repo, dir) {
  const target = join(dir, 'node_modules', 'heapmark')
  mkdirSync(target, { recursive: true })
  cpSync(join(repo, 'package.json'), join(target, 'package.json'))
  cpSync(join(repo, 'dist'), join(target, 'dist'), { recursive: true })
}
