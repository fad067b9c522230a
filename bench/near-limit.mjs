// heapmark benchmark: what the near-limit watcher (src/core/oom/near-limit-sites.ts) costs a run that
// never comes near its heap limit (a thread per test worker, polling the heap every 10 ms), and
// what its one profile read costs when a worker does.
//
//   npm run build && node bench/near-limit.mjs [--rounds 9]
//
// Section 1 runs the same suites with heapmark on, watcher on and off (HEAPMARK_NEAR_LIMIT_WATCH=0)
// alternately, and prints median ratios of CPU (user+sys of the whole process tree) and wall,
// with the load average and the GC counts of one extra --trace-gc run each. Section 2 runs an
// out-of-memory file a few times and prints the read's time as the journal recorded it.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasTime, installHeapmarkCopy, median, ratio, scrubbedEnv, sec, table, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs')
const argv = process.argv.slice(2)
const roundsAt = argv.indexOf('--rounds')
const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 9
// As bench/run.mjs: heapmark copied into node_modules, where users have it.
const workRoot = join(repo, 'bench', '.tmp-near-limit')
rmSync(workRoot, { recursive: true, force: true })
installHeapmarkCopy(repo, workRoot)
for (const name of ['suite', 'node-suite']) {
  cpSync(join(repo, 'bench', 'fixtures', name), join(workRoot, name), { recursive: true })
  writeFileSync(join(workRoot, name, 'package.json'), '{ "private": true, "type": "module" }\n')
}
process.once('exit', () => rmSync(workRoot, { recursive: true, force: true }))

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' / ')
const shapes = [
  { label: 'Vitest forks (bench/fixtures/suite)', cwd: join(workRoot, 'suite'), args: [vitestBin, 'run', '--reporter=dot', '--pool=forks'] },
  { label: 'Vitest threads (bench/fixtures/suite)', cwd: join(workRoot, 'suite'), args: [vitestBin, 'run', '--reporter=dot', '--pool=threads'] },
  { label: 'node:test (bench/fixtures/node-suite)', cwd: join(workRoot, 'node-suite'), args: ['--import', 'heapmark/node/register', '--test', '--test-reporter=dot'] },
]

function run(shape, watcher, nodeFlags = []) {
  // A journal folder, as `heapmark run` gives every run: the watcher only runs where a journal is kept.
  const journal = join(workRoot, `journal-${process.pid}`)
  rmSync(journal, { recursive: true, force: true })
  mkdirSync(journal)
  const env = { ...scrubbedEnv(), HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_JOURNAL_DIR: journal, ...(watcher ? {} : { HEAPMARK_NEAR_LIMIT_WATCH: '0' }) }
  const result = timedNode([...nodeFlags, ...shape.args], { cwd: shape.cwd, env })
  if (result.status !== 0) throw new Error(`${shape.label} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
  return result
}

const gcCounts = (output) => ({ markCompacts: (output.match(/Mark-Compact/g) ?? []).length, scavenges: (output.match(/Scavenge/g) ?? []).length })

console.log(`heapmark near-limit watcher bench: node ${process.version}; ${rounds} rounds (round 1 = warm-up), on/off alternating; load average at start ${loadAverage()}`)
const rows = []
for (const shape of shapes) {
  const on = []
  const off = []
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? [true, false] : [false, true]
    for (const watcher of order) {
      const result = run(shape, watcher)
      if (round > 1) (watcher ? on : off).push(result)
    }
  }
  // --trace-gc on the runner's node (its workers inherit it: threads share it, forks and node:test's
  // processes get node's flags): GC lines of the whole run.
  const gcOn = gcCounts(run(shape, true, ['--trace-gc']).stdout)
  const gcOff = gcCounts(run(shape, false, ['--trace-gc']).stdout)
  const cpuRatios = hasTime ? on.map((r, i) => r.cpu / off[i].cpu) : []
  const wallRatios = on.map((r, i) => r.wall / off[i].wall)
  rows.push([
    shape.label,
    sec(median(off.map((r) => r.wall))),
    ratio(median(wallRatios)),
    hasTime ? ratio(median(cpuRatios)) : 'n/a',
    `${gcOn.markCompacts} / ${gcOff.markCompacts}`,
    `${gcOn.scavenges} / ${gcOff.scavenges}`,
    loadAverage(),
  ])
  process.stderr.write(`  ${shape.label}: done\n`)
}
console.log('\n1. A run that never comes near its heap limit: watcher on vs off (heapmark on in both)\n')
console.log(table(['shape', 'median wall (off)', 'wall on/off', 'cpu on/off', 'mark-compacts on/off', 'scavenges on/off', 'load after'], rows))

// ---- 2. the one read ---------------------------------------------------------
const oomRoot = join(workRoot, 'oom')
mkdirSync(oomRoot, { recursive: true })
writeFileSync(join(oomRoot, 'package.json'), '{ "private": true, "type": "module" }\n')
writeFileSync(join(oomRoot, 'vitest.config.ts'), readFileSync(join(workRoot, 'suite', 'vitest.config.ts'), 'utf8').replace('defineConfig({', "defineConfig({ test: { pool: 'forks', execArgv: ['--max-old-space-size=192'] },"))
writeFileSync(join(oomRoot, 'oom.test.ts'), `import { test } from 'vitest'
const block = (mib: number) => new Array(Math.round((mib * 1024 * 1024) / 8)).fill(1)
const registry: number[][] = []
test('keeps 48', () => { registry.push(block(48)) })
test('keeps 40', () => { registry.push(block(40)) })
test('grows until it dies', () => { for (let i = 0; i < 800; i++) registry.push(block(2)) })
`)
const reads = []
for (let i = 0; i < 5; i++) {
  const json = join(oomRoot, 'report.json')
  rmSync(json, { force: true })
  const cli = join(workRoot, 'node_modules', 'heapmark', 'dist', 'cli', 'bin.js')
  timedNode([cli, 'run', '--json', json, '--hide-summary', '--', 'vitest', 'run', '--reporter=dot'], { cwd: oomRoot, env: { ...scrubbedEnv(), PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH}` } })
  try {
    const incident = JSON.parse(readFileSync(json, 'utf8')).incidents.find((candidate) => candidate.nearLimit)
    if (incident?.nearLimit?.profileMs !== undefined) reads.push(incident.nearLimit)
  } catch {
    // No report: counted as a missed read below.
  }
}
console.log(`\n2. The one read near the limit (Vitest forks, --max-old-space-size=192, ~170 MiB used): ${reads.length} of 5 runs read before dying`)
if (reads.length > 0) console.log(`   profile read (V8's full GC + profile): median ${median(reads.map((r) => r.profileMs)).toFixed(1)} ms (${reads.map((r) => r.profileMs).join(', ')} ms), at ${reads.map((r) => (r.liveBytes / 2 ** 20).toFixed(0)).join(', ')} MiB used`)
