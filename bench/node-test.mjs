// heapmark for node:test: run-time overhead on a small realistic suite, and accuracy of its peaks.
//
//   npm run build && node bench/node-test.mjs             # 8 rounds, the first a discarded warm-up
//   node bench/node-test.mjs --rounds 4
//
// Runs bench/fixtures/node-suite (120 tests in 10 files, a few allocating MBs) with `node --test`
// three ways, alternating within each round: plain (no heapmark), heapmark's register module
// loaded but switched off, and switched on with heapmark's reporter (the full path a user gets,
// report and history included; the text report itself hidden). Plain ESM, no dependencies.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gcColumns, gcCounting, hasTime, installHeapmarkCopy, loadAverage, median, ratio, scrubbedEnv, sec, table, TIME, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!existsSync(join(repo, 'dist', 'node', 'register.js'))) {
  console.error('bench/node-test.mjs: run `npm run build` first')
  process.exit(2)
}
const argv = process.argv.slice(2)
const roundsIdx = argv.indexOf('--rounds')
const rounds = roundsIdx >= 0 ? Number(argv[roundsIdx + 1]) : 8
if (!Number.isInteger(rounds) || rounds < 2) {
  console.error('--rounds must be an integer >= 2 (the first round is a warm-up)')
  process.exit(2)
}

// heapmark installed in node_modules, as users have it, under the repo (ignored .tmp/) so its own
// dependencies resolve from the repo's node_modules.
const workRoot = join(repo, '.tmp', 'bench-node-test')
rmSync(workRoot, { recursive: true, force: true })
installHeapmarkCopy(repo, workRoot)
const suiteRoot = join(workRoot, 'suite')
cpSync(join(repo, 'bench', 'fixtures', 'node-suite'), suiteRoot, { recursive: true })
writeFileSync(join(workRoot, 'package.json'), '{ "private": true, "type": "module" }\n')

/** One `node <args>` in `cwd`; returns { wall, cpu (ms, whole process tree; null without /usr/bin/time), stdout }. */
function runNode(args, extraEnv, cwd, { allowFailure = false } = {}) {
  const counting = gcCounting()
  const r = timedNode(args, { cwd, env: { ...scrubbedEnv(), ...extraEnv, ...counting.env } })
  r.gc = counting.collect()
  if (r.status !== 0 && !allowFailure) {
    console.error(`\nbench: run failed (exit ${r.status}, signal ${r.signal}): node ${args.join(' ')}\n${r.stdout}\n${r.stderr}`)
    process.exit(1)
  }
  return { wall: r.wall, cpu: r.cpu, stdout: r.stdout, gc: r.gc }
}

const out = (s = '') => console.log(s)

const REGISTER = ['--import', 'heapmark/node/register']
const DOT = ['--test-reporter=dot', '--test-reporter-destination=stdout']
const HEAPMARK_REPORTER = ['--test-reporter=heapmark/node/reporter', '--test-reporter-destination=stdout']
const variants = [
  { key: 'plain', label: 'plain node --test', args: ['--test', ...DOT], env: {} },
  { key: 'off', label: 'register loaded, off', args: [...REGISTER, '--test', ...DOT], env: {} },
  { key: 'on', label: 'on (+ reporter)', args: [...REGISTER, '--test', ...DOT, ...HEAPMARK_REPORTER], env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1' } },
]

out(`heapmark node:test bench: node ${process.version}, ${process.platform}/${process.arch}`)
out(`cpu time: ${hasTime ? `${TIME} (user+sys of the whole process tree)` : 'unavailable (no /usr/bin/time), wall only'}`)
{
  const probe = runNode(['--test', '--test-reporter=spec'], {}, suiteRoot)
  const tests = /ℹ tests (\d+)/.exec(probe.stdout)?.[1] ?? /# tests (\d+)/.exec(probe.stdout)?.[1] ?? '?'
  out(`\n1. Overhead: fixture bench/fixtures/node-suite (${tests} tests in 10 files), node --test (default concurrency)`)
  out(`   ${rounds} rounds (round 1 = warm-up, discarded); variants alternate within each round`)
}

const results = Object.fromEntries(variants.map((v) => [v.key, []]))
const loadBefore = loadAverage()
for (let round = 1; round <= rounds; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length])
  const line = []
  for (const v of order) {
    const r = runNode(v.args, v.env, suiteRoot)
    if (round > 1) results[v.key].push({ round, ...r })
    line.push(`${v.key} ${sec(r.wall)}`)
  }
  process.stderr.write(`   round ${round}${round === 1 ? ' (warm-up)' : ''}: ${line.join(', ')}\n`)
}

const plain = results.plain
const plainWall = median(plain.map((r) => r.wall))
const plainCpu = hasTime ? median(plain.map((r) => r.cpu)) : null
const rows = variants.map((v) => {
  const rs = results[v.key]
  const wall = median(rs.map((r) => r.wall))
  const cpu = hasTime ? median(rs.map((r) => r.cpu)) : null
  const perRound = rs.map((r) => r.wall / plain.find((p) => p.round === r.round).wall)
  const perRoundCpu = hasTime ? rs.map((r) => r.cpu / plain.find((p) => p.round === r.round).cpu) : []
  return { v, wall, cpu, perRound, perRoundCpu, gc: gcColumns(plain, rs) }
})
out()
out(table(
  ['variant', 'runs', 'median wall', 'wall vs plain', ...(hasTime ? ['median cpu', 'cpu vs plain', 'per-round cpu ratio'] : []), 'per-round wall ratio', 'mark-compacts (this / plain)', 'scavenges (this / plain)'],
  rows.map((r) => [r.v.label, r.perRound.length, sec(r.wall), ratio(r.wall / plainWall), ...(hasTime ? [sec(r.cpu), ratio(r.cpu / plainCpu), ratio(median(r.perRoundCpu))] : []), ratio(median(r.perRound)), ...r.gc]),
))
out(`   load average (1/5/15 min): ${loadBefore} at start, ${loadAverage()} at end; goal: on ≤ 1.05x cpu vs plain`)
out()
for (const r of rows.slice(1)) out(`   ${r.v.label.padEnd(22)} per-round wall ratios: ${r.perRound.map((x) => x.toFixed(3)).join(' ')}`)

// ---- 2. accuracy -----------------------------------------------------------
const MiB = 1024 * 1024
const accuracyRoot = join(workRoot, 'accuracy')
mkdirSync(accuracyRoot, { recursive: true })
const SIZES = [1, 10, 50, 100]
writeFileSync(join(accuracyRoot, 'accuracy.test.js'), `import { test } from 'node:test'
const MiB = 1024 * 1024
const kept = []
for (const mib of ${JSON.stringify(SIZES)}) {
  // fill(0) keeps SMIs: exactly 8 bytes per element.
  test('array ' + mib + ' MiB', () => { kept.push(new Array((mib * MiB) / 8).fill(0)) })
  // A 32-byte { v } object and its 8-byte array slot: 40 bytes each.
  test('objects ' + mib + ' MiB', () => {
    const n = Math.round((mib * MiB) / 40)
    const data = new Array(n)
    for (let i = 0; i < n; i++) data[i] = { v: i }
    kept.push(data)
  })
  test('string ' + mib + ' MiB', () => {
    const data = 'x'.repeat(mib * MiB)
    data.charCodeAt(1) // flattens the rope into one sequential string
    kept.push(data)
  })
  test('buffer ' + mib + ' MiB', () => { kept.push(Buffer.alloc(mib * MiB, 1)) })
}
test('nothing 0 MiB', () => {})
`)
runNode([...REGISTER, '--test', ...DOT, ...HEAPMARK_REPORTER, 'accuracy.test.js'], { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_JSON: 'report.json' }, accuracyRoot)
const report = JSON.parse(readFileSync(join(accuracyRoot, 'report.json'), 'utf8'))
const accuracyRows = report.tests
  .map((t) => {
    const [, form, mib] = /(\w+) (\d+) MiB$/.exec(t.name)
    return { form, mib: Number(mib), peak: t.peakBytes / MiB }
  })
  .sort((a, b) => a.form.localeCompare(b.form) || a.mib - b.mib)
  .map(({ form, mib, peak }) => {
    const error = peak - mib
    return [form, mib, peak.toFixed(3), (error >= 0 ? '+' : '') + error.toFixed(3), Math.abs(error) <= Math.max(0.05 * mib, 1) ? 'yes' : 'NO']
  })
out(`\n2. Accuracy: a test keeping N MiB alive (one node --test file, sampling interval ${report.samplingInterval})`)
out(table(['form', 'known MiB', 'peak MiB', 'error MiB', 'within max(5%, 1 MiB)'], accuracyRows))
rmSync(workRoot, { recursive: true, force: true })
