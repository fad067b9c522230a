// heapmark bench: the cost of precise live peaks (livePeak / HEAPMARK_LIVE_PEAK=1: a 1 MiB young
// generation in the test workers, a minor GC before every test), and how tight the live peak is.
//
//   npm run build && node bench/live-peak.mjs            # 8 rounds (the first is a discarded warm-up)
//   node bench/live-peak.mjs --rounds 5 --pool threads   # pool: forks (default) or threads
//
// Variants off / on (default mode) / on + livePeak run alternately on bench/fixtures/suite, with a
// setup file counting each worker's GCs (mark-compacts and scavenges, all of them, heapmark's own
// forced ones included). Self-contained: its own work folder (bench/.tmp-live-peak), so it can run
// beside bench/run.mjs.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasTime, installHeapmarkCopy, median, ratio, scrubbedEnv, sec, table, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const argv = process.argv.slice(2)
const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const rounds = Number(flag('--rounds', '8'))
const pool = flag('--pool', 'forks')
if (!Number.isInteger(rounds) || rounds < 2 || !['forks', 'threads'].includes(pool)) {
  console.error('usage: node bench/live-peak.mjs [--rounds N>=2] [--pool forks|threads]')
  process.exit(2)
}
if (!existsSync(join(repo, 'dist', 'vitest', 'index.js'))) {
  console.error('bench: build first (npm run build)')
  process.exit(2)
}

// heapmark installed as users have it (see bench/run.mjs for why not from the repo itself).
const workRoot = join(repo, 'bench', '.tmp-live-peak')
rmSync(workRoot, { recursive: true, force: true })
installHeapmarkCopy(repo, workRoot)
const suiteRoot = join(workRoot, 'suite')
cpSync(join(repo, 'bench', 'fixtures', 'suite'), suiteRoot, { recursive: true })
writeFileSync(join(suiteRoot, 'package.json'), '{ "private": true, "type": "module" }\n')
cpSync(join(repo, 'bench', 'fixtures', 'live-peak'), suiteRoot, { recursive: true }) // its config and GC-counting setup file

const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs')
const variants = [
  { key: 'off', env: {} },
  { key: 'on', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_JSON: 'report-on.json' } },
  { key: 'livePeak', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_LIVE_PEAK: '1', HEAPMARK_JSON: 'report-live.json' } },
]

/** GC counts of one run, summed over its workers (each worker's last line). */
function gcCounts(dir) {
  const last = new Map()
  for (const line of readFileSync(join(dir, 'counts.txt'), 'utf8').trim().split('\n')) {
    const [worker, major, minor] = line.split(' ')
    last.set(worker, { major: Number(major), minor: Number(minor) })
  }
  return [...last.values()].reduce((sum, c) => ({ major: sum.major + c.major, minor: sum.minor + c.minor }), { major: 0, minor: 0 })
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ')
console.log(`heapmark live-peak bench — node ${process.version}, ${cpus().length} cores, pool ${pool}, ${rounds} rounds (first discarded)`)
console.log(`load average at start (1/5/15 min): ${load()}`)
const results = Object.fromEntries(variants.map((v) => [v.key, []]))
for (let round = 1; round <= rounds; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length])
  const line = []
  for (const v of order) {
    const gcDir = join(workRoot, `gc-${v.key}-${round}`)
    mkdirSync(gcDir)
    const run = timedNode([vitestBin, 'run', '--root', '.', '--reporter=dot', `--pool=${pool}`], { cwd: suiteRoot, env: { ...scrubbedEnv(), ...v.env, BENCH_GC_DIR: gcDir } })
    if (run.status !== 0) {
      console.error(`bench: ${v.key} run failed (exit ${run.status})\n${run.stdout}\n${run.stderr}`)
      process.exit(1)
    }
    if (round > 1) results[v.key].push({ round, wall: run.wall, cpu: run.cpu, ...gcCounts(gcDir) })
    line.push(`${v.key} ${sec(run.wall)}`)
  }
  process.stderr.write(`   round ${round}${round === 1 ? ' (warm-up)' : ''}: ${line.join(', ')}\n`)
}
console.log(`load average at end (1/5/15 min): ${load()}`)

const off = results.off
const rows = variants.map((v) => {
  const rs = results[v.key]
  const perRound = (field) => median(rs.map((r) => r[field] / off.find((o) => o.round === r.round)[field]))
  return [
    v.key,
    sec(median(rs.map((r) => r.wall))),
    ratio(perRound('wall')),
    hasTime ? sec(median(rs.map((r) => r.cpu))) : '-',
    hasTime ? ratio(perRound('cpu')) : '-',
    median(rs.map((r) => r.major)),
    median(rs.map((r) => r.minor)),
  ]
})
console.log()
console.log(table(['variant', 'median wall', 'wall vs off (median per round)', 'median cpu', 'cpu vs off (median per round)', 'mark-compacts', 'scavenges'], rows))

// How far apart the two figures are on this suite, from the last round's reports.
for (const [label, file] of [['default (lower bound)', 'report-on.json'], ['livePeak (estimate)', 'report-live.json']]) {
  const tests = JSON.parse(readFileSync(join(suiteRoot, file), 'utf8')).tests
  const MiB = 1024 * 1024
  const kinds = {}
  for (const test of tests) kinds[test.livePeakKind] = (kinds[test.livePeakKind] ?? 0) + 1
  const big = tests.filter((test) => test.peakBytes >= MiB)
  const share = big.map((test) => test.livePeakBytes / test.peakBytes)
  console.log(
    `\n${label}: ${tests.length} tests, kinds ${JSON.stringify(kinds)}; tests with a peak >= 1 MiB: ${big.length}, ` +
      `live/used peak median ${share.length ? median(share).toFixed(2) : '-'}, sum of used peaks ${(big.reduce((s, t) => s + t.peakBytes, 0) / MiB).toFixed(1)} MiB, ` +
      `sum of live peaks ${(big.reduce((s, t) => s + t.livePeakBytes, 0) / MiB).toFixed(1)} MiB`,
  )
  for (const test of [...tests].sort((a, b) => b.peakBytes - a.peakBytes).slice(0, 5)) {
    console.log(`   ${test.name}: peak ${(test.peakBytes / MiB).toFixed(2)} MiB, live ${(test.livePeakBytes / MiB).toFixed(2)} MiB (${test.livePeakKind})`)
  }
}
rmSync(workRoot, { recursive: true, force: true })
