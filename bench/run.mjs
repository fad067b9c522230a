// heapmark benchmark: run-time overhead on a realistic suite and accuracy of reported peaks.
//
//   npm run bench                      # builds, then: node bench/run.mjs, bench/jest.mjs, bench/node-test.mjs
//   node bench/run.mjs --rounds 5      # fewer rounds (first round is a discarded warm-up)
//   node bench/run.mjs --intervals     # section 1 also at 4 KiB and 64 KiB sampling intervals
//   node bench/run.mjs --quick         # fewer rounds for the extra sampling intervals and the third-party suite
//   node bench/run.mjs --only zod      # one section (or several, comma-separated):
//                                      #   overhead, json300, tiny, accuracy, leaks, zod
//
// Every cost section alternates heapmark off and on within each round and prints, per shape, the
// median CPU ratio (user+sys of the whole process tree) and wall ratio, the load average around
// the section, and the GCs the runs did (mark-compacts and scavenges, on / off, medians per run;
// counted in every process by bench/gc-count.mjs).
//   node bench/run.mjs --zod-rounds 7  # rounds for the third-party suite (default min(rounds, 4), 3 with --quick)
//
// Plain ESM, no dependencies beyond the repo's own devDependencies (vitest). The third-party
// section (zod's own test suite) downloads one pinned tarball from the npm registry on first use
// and keeps it in bench/.cache/, so later runs are offline; without it, that section is skipped.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import { gcColumns, gcCounting, hasTime, installHeapmarkCopy, loadAverage, median, ratio, scrubbedEnv, sec, table, TIME, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs')
// Users install heapmark in node_modules, where Vitest loads it natively. Resolved from the repo
// itself (package self-reference), Vite would transform and serve heapmark's modules to every
// worker: measured +0.65 s on this suite with heapmark doing nothing. So the fixtures run from
// bench/.tmp/ with heapmark copied into bench/.tmp/node_modules, exactly as an install lays it out.
const workRoot = join(repo, 'bench', '.tmp')
rmSync(workRoot, { recursive: true, force: true })
installHeapmarkCopy(repo, workRoot)
for (const name of ['suite', 'accuracy']) {
  cpSync(join(repo, 'bench', 'fixtures', name), join(workRoot, name), { recursive: true })
  // Their own package.json: Node resolves a package's self-reference before node_modules, and the
  // nearest package.json would otherwise be the repo's (named heapmark), pointing at ../dist.
  writeFileSync(join(workRoot, name, 'package.json'), '{ "private": true, "type": "module" }\n')
}
const suiteRoot = join(workRoot, 'suite')
const accuracyRoot = join(workRoot, 'accuracy')

// ---- flags -----------------------------------------------------------------
const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const roundsIdx = argv.indexOf('--rounds')
const rounds = roundsIdx >= 0 ? Number(argv[roundsIdx + 1]) : 8
if (!Number.isInteger(rounds) || rounds < 2) {
  console.error('--rounds must be an integer >= 2 (the first round is a warm-up)')
  process.exit(2)
}
const extraRounds = quick ? Math.min(rounds, 4) : rounds
// The 4 KiB and 64 KiB sampling intervals in section 1: only with --intervals (they double its time).
const withIntervals = argv.includes('--intervals')
const SECTIONS = ['overhead', 'json300', 'tiny', 'accuracy', 'leaks', 'zod']
const onlyIdx = argv.indexOf('--only')
const only = onlyIdx >= 0 ? String(argv[onlyIdx + 1] ?? '').split(',').filter(Boolean) : SECTIONS
const unknownSection = only.find((name) => !SECTIONS.includes(name))
if (onlyIdx >= 0 && (only.length === 0 || unknownSection !== undefined)) {
  console.error(`--only takes one or more of ${SECTIONS.join(', ')} (comma-separated), got ${JSON.stringify(argv[onlyIdx + 1] ?? '')}`)
  process.exit(2)
}
const selected = (name) => only.includes(name)
const zodRoundsIdx = argv.indexOf('--zod-rounds')
const zodRoundsFlag = zodRoundsIdx >= 0 ? Number(argv[zodRoundsIdx + 1]) : undefined
if (zodRoundsFlag !== undefined && (!Number.isInteger(zodRoundsFlag) || zodRoundsFlag < 2)) {
  console.error('--zod-rounds must be an integer >= 2 (the first round is a warm-up)')
  process.exit(2)
}

/** Runs one Vitest process; returns { wall, cpu } in ms (cpu null without /usr/bin/time). Aborts on failure. */
function runVitest(args, extraEnv, cwd = repo, { allowFailure = false } = {}) {
  const r = timedNode([vitestBin, ...args], { cwd, env: { ...scrubbedEnv(), ...extraEnv } })
  if (r.status !== 0 && !(allowFailure && r.status === 1)) {
    console.error(`\nbench: run failed (exit ${r.status}, signal ${r.signal}): node ${[vitestBin, ...args].join(' ')}`)
    console.error(`env extra: ${JSON.stringify(extraEnv)}`)
    console.error(r.stdout)
    console.error(r.stderr)
    process.exit(1)
  }
  return { wall: r.wall, cpu: r.cpu, stdout: r.stdout }
}

// ---- helpers ---------------------------------------------------------------
const x = ratio
const out = (s = '') => console.log(s)

const benchStart = performance.now()
const loadAtStart = loadAverage()
out(`heapmark bench — node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores`)
out(`cpu time: ${hasTime ? `${TIME} (user+sys of the whole Vitest process tree)` : 'unavailable (no /usr/bin/time), wall only'}`)
out(`load average at start (1/5/15 min): ${loadAtStart}${only.length < SECTIONS.length ? `; sections: ${only.join(', ')}` : ''}`)
out()

/** Lines for the closing summary, added by each section that ran. */
const summary = []

/**
 * Runs Vitest once per variant per round, variants interleaved and their order rotated each round
 * (no variant always runs first, machine noise lands on all of them alike). Round 1 is a warm-up
 * (Vite's caches, the OS file cache) and is discarded. `onWarmup(variant, run)` sees warm-up runs.
 * Returns, per variant, the median wall and CPU time and the ratios against the first variant.
 */
function interleaved(variants, args, cwd, { onWarmup } = {}) {
  const results = Object.fromEntries(variants.map((v) => [v.key, []]))
  const maxRounds = Math.max(...variants.map((v) => v.rounds))
  for (let round = 1; round <= maxRounds; round++) {
    const active = variants.filter((v) => round <= v.rounds)
    const order = active.map((_, i) => active[(i + round) % active.length])
    const line = []
    for (const v of order) {
      const counting = gcCounting()
      const r = runVitest(args, { ...v.env, ...(round === 1 ? v.warmupEnv : {}), ...counting.env }, cwd)
      r.gc = counting.collect()
      if (round > 1) results[v.key].push({ round, ...r })
      else onWarmup?.(v, r)
      line.push(`${v.key} ${sec(r.wall)}`)
    }
    process.stderr.write(`   round ${round}${round === 1 ? ' (warm-up)' : ''}: ${line.join(', ')}\n`)
  }
  const base = results[variants[0].key]
  const baseWall = median(base.map((r) => r.wall))
  const baseCpu = hasTime ? median(base.map((r) => r.cpu)) : null
  return variants.map((v) => {
    const rs = results[v.key]
    const wall = median(rs.map((r) => r.wall))
    const cpu = hasTime ? median(rs.map((r) => r.cpu)) : null
    // Per-round ratios against the same round's run of the first variant.
    const ratios = rs.map((r) => r.wall / base.find((o) => o.round === r.round).wall)
    const cpuRatios = hasTime ? rs.map((r) => r.cpu / base.find((o) => o.round === r.round).cpu) : []
    return { v, wall, cpu, ratios, cpuRatios, runs: rs, wallRatio: wall / baseWall, cpuRatio: hasTime ? cpu / baseCpu : null }
  })
}

/** Prints interleaved()'s rows as a table, then each variant's per-round ratios. */
function printInterleaved(rows) {
  out(
    table(
      ['variant', 'runs', 'median wall', 'wall on/off', ...(hasTime ? ['median cpu', 'cpu on/off', 'per-round cpu ratio'] : []), 'per-round wall ratio', 'mark-compacts', 'scavenges'],
      rows.map((s) => [
        s.v.label,
        s.ratios.length,
        sec(s.wall),
        x(s.wallRatio),
        ...(hasTime ? [sec(s.cpu), x(s.cpuRatio), x(median(s.cpuRatios))] : []),
        x(median(s.ratios)),
        median(s.runs.map((r) => r.gc.markCompacts)),
        median(s.runs.map((r) => r.gc.scavenges)),
      ]),
    ),
  )
  out()
  out('   per-round wall ratios (vs. the same round\'s off run):')
  for (const s of rows.slice(1)) out(`   ${s.v.label.padEnd(20)} ${s.ratios.map((r) => r.toFixed(3)).join(' ')}`)
}

/** The summary line of one shape: CPU and wall ratios, rounds, load, GC counts on / off. */
function costLine(shape, rows, loadBefore) {
  const [off, on] = rows
  const [mc, sc] = gcColumns(off.runs, on.runs)
  const cpu = hasTime ? `cpu ${x(on.cpuRatio)} (per-round median ${x(median(on.cpuRatios))})` : 'cpu n/a'
  return `${shape}: ${cpu}, wall ${x(on.wallRatio)}, ${on.ratios.length} rounds, load ${loadBefore} -> ${loadAverage()}; mark-compacts on/off ${mc}, scavenges on/off ${sc}${hasTime ? ` — goal cpu ≤ 1.05x: ${on.cpuRatio <= 1.05 ? 'met' : 'NOT met'}` : ''}`
}

// ---- 1. overhead -----------------------------------------------------------
function overheadSection() {
  const suiteArgs = ['run', '--root', suiteRoot, '--reporter=dot']
  const variants = [
    { key: 'off', label: 'off', env: {}, rounds },
    { key: 'on', label: 'on (16384, default)', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1' }, rounds },
    {
      key: 'on4096',
      label: 'on (4096)',
      env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_SAMPLING_INTERVAL: '4096' },
      rounds: extraRounds,
    },
    {
      key: 'on65536',
      label: 'on (65536)',
      env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_SAMPLING_INTERVAL: '65536' },
      rounds: extraRounds,
    },
    // heapmark's worker code compiled afresh in every worker, as before its code cache: the
    // cache's own gain, measured in the same rounds (core/load/cached-bundle.ts).
    { key: 'nocache', label: 'on (no code cache)', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_CODE_CACHE: '0' }, rounds },
  ].filter((v) => withIntervals || !v.key.startsWith('on') || v.key === 'on')
  // Where Node has its own door to V8's sampler (v8.startHeapProfile, Node 26), the inspector's
  // beside it: the same run with a forced full GC on every profile read.
  if (typeof v8.startHeapProfile === 'function') {
    variants.push({ key: 'inspector', label: 'on (inspector door)', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1', HEAPMARK_SAMPLER: 'inspector' }, rounds })
  }
  // Sanity: count tests in the suite once.
  const probe = runVitest(suiteArgs, {})
  const m = /Tests\s+(\d+) passed/.exec(probe.stdout)
  out(`1. Overhead — fixture bench/fixtures/suite (${m ? m[1] : '?'} tests), reporter=dot`)
  out(`   ${rounds} rounds (round 1 = warm-up, discarded)${quick ? `; extra intervals ${extraRounds} rounds (--quick)` : ''}; variants alternate within each round`)
  const loadBefore = loadAverage()
  const rows = interleaved(variants, suiteArgs, repo)
  out()
  printInterleaved(rows)
  out()
  const def = rows[1]
  out(`   goal: cpu at most 1.05x at the default interval — cpu ${hasTime ? x(def.cpuRatio) : 'n/a'}, wall ${x(def.wallRatio)}`)
  out()
  summary.push(costLine(`201-test suite (overhead)`, rows, loadBefore))
  const inspectorRow = rows.find((row) => row.v.key === 'inspector')
  if (inspectorRow) summary.push(costLine(`201-test suite, sampler through the inspector (vs Node's own door: ${x(def.cpuRatio)})`, [rows[0], inspectorRow], loadBefore))
  const noCacheRow = rows.find((row) => row.v.key === 'nocache')
  if (noCacheRow) summary.push(costLine(`201-test suite, no code cache (with it: ${x(def.cpuRatio)})`, [rows[0], noCacheRow], loadBefore))
  for (const s of rows.slice(2).filter((row) => row.v.key !== 'inspector' && row.v.key !== 'nocache')) summary.push(`overhead at interval ${s.v.label.replace(/\D/g, '')}: wall ${x(s.wallRatio)}${hasTime ? `, cpu ${x(s.cpuRatio)}` : ''}`)
}

// ---- 1b/1c. generated suite shapes -----------------------------------------------
/**
 * A generated Vitest project in bench/.tmp/<name>: `files` maps file names to sources. heapmark's
 * plugin is in its config and switched on by HEAPMARK=1, as in the fixture suite.
 */
function generatedSuite(name, files, testConfig) {
  const root = join(workRoot, name)
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, 'package.json'), '{ "private": true, "type": "module" }\n')
  writeFileSync(join(root, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'
export default defineConfig({ plugins: [heapmark()], test: ${JSON.stringify(testConfig)} })
`)
  for (const [file, source] of Object.entries(files)) writeFileSync(join(root, file), source)
  return root
}

/** Off/on alternating rounds on one generated shape; prints the table, adds its summary line. */
function shapeSection(number, shape, description, root) {
  const args = ['run', '--root', '.', '--reporter=dot']
  const probe = runVitest(args, {}, root)
  const m = /Tests\s+(\d+) passed/.exec(probe.stdout)
  const files = /Test Files\s+(\d+) passed/.exec(probe.stdout)
  out(`${number}. Overhead — ${shape}: ${description} (${m ? m[1] : '?'} tests in ${files ? files[1] : '?'} files), reporter=dot`)
  out(`   ${rounds} rounds (round 1 = warm-up, discarded); off/on alternate within each round`)
  const variants = [
    { key: 'off', label: 'off', env: {}, rounds },
    { key: 'on', label: 'on (default)', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1' }, rounds },
  ]
  const loadBefore = loadAverage()
  const rows = interleaved(variants, args, root)
  out()
  printInterleaved(rows)
  out()
  summary.push(costLine(`${shape} (${m ? m[1] : '?'} tests)`, rows, loadBefore))
}

/** Issue 13's 300-test shape: 6 files x 50 tests, each building, serialising and sorting 1-2 MiB of JSON; forks, isolate. */
function json300Section() {
  const files = {}
  for (let f = 1; f <= 6; f++) {
    files[`records${f}.test.ts`] = `import { expect, test } from 'vitest'
interface Row { id: number; name: string; score: number; tags: string[]; nested: { a: number; b: string } }
function rows(count: number, seed: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ id: i, name: 'row-' + ((i * 7919 + seed) % count), score: (i * 31 + seed) % 1000, tags: ['t' + (i % 5), 'g' + (i % 11)], nested: { a: i, b: 'x' + i } }))
}
for (let i = 0; i < 50; i++) {
  test('records ${f}.' + i, () => {
    // 1-2 MiB of JSON: ~110 bytes per row.
    const count = 12_000 + ((i * 373) % 9_000)
    const json = JSON.stringify(rows(count, i))
    expect(json.length).toBeGreaterThan(1024 * 1024)
    const parsed = JSON.parse(json) as Row[]
    parsed.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    expect(parsed[0]!.score).toBeLessThanOrEqual(parsed[parsed.length - 1]!.score)
  })
}
`
  }
  shapeSection('1b', 'json300', '6 files x 50 tests of 1-2 MiB JSON each, forks pool, isolate: true', generatedSuite('json300', files, {}))
}

/** The remeda shape: many tiny tests (well under 64 KiB each) in many files, isolate: false. */
function tinySection() {
  const files = {}
  const bodies = [
    "const a = Array.from({ length: 64 }, (_, i) => i); expect(a.map((v) => v * 2).filter((v) => v % 3 === 0).length).toBeGreaterThan(0)",
    "const o = Object.fromEntries(Array.from({ length: 16 }, (_, i) => ['k' + i, i])); expect(Object.keys(o)).toHaveLength(16)",
    "expect('a-b-c-d'.split('-').map((s) => s.toUpperCase()).join('')).toBe('ABCD')",
    "const grouped = new Map<number, number[]>(); for (let i = 0; i < 50; i++) { const k = i % 4; grouped.set(k, [...(grouped.get(k) ?? []), i]) } expect(grouped.size).toBe(4)",
    "expect([5, 3, 9, 1].toSorted((x, y) => x - y)).toEqual([1, 3, 5, 9])",
    "const pipe = (v: number, ...fns: Array<(n: number) => number>) => fns.reduce((acc, fn) => fn(acc), v); expect(pipe(2, (n) => n + 1, (n) => n * 3)).toBe(9)",
  ]
  for (let f = 1; f <= 120; f++) {
    const tests = []
    for (let t = 0; t < 18; t++) tests.push(`  it('case ${t}', () => { ${bodies[(f + t) % bodies.length]} })`)
    files[`fn${String(f).padStart(3, '0')}.test.ts`] = `import { describe, expect, it } from 'vitest'\ndescribe('fn${f}', () => {\n${tests.join('\n')}\n})\n`
  }
  shapeSection('1c', 'tiny', '120 files x 18 tiny tests (< 64 KiB each), isolate: false', generatedSuite('tiny', files, { isolate: false }))
}

// ---- 2. accuracy -----------------------------------------------------------
const MiB = 1024 * 1024
function accuracySection() {
  const accuracyRows = []
  function accuracy(pool) {
    const report = join(accuracyRoot, 'report.json')
    rmSync(report, { force: true })
    // The config writes json: 'report.json' relative to the cwd, so run from the fixture folder.
    runVitest(['run', '--root', '.', '--reporter=dot', ...(pool ? [`--pool=${pool}`] : [])], {}, accuracyRoot)
    const json = JSON.parse(readFileSync(report, 'utf8'))
    rmSync(report, { force: true })
    const rows = []
    const sorted = json.tests
      .map((t) => {
        const m = /(array|objects|string|buffer) (\d+) MiB$/.exec(t.name)
        return { t, form: m ? m[1] : 'nothing', mib: m ? Number(m[2]) : 0 }
      })
      .sort((a, b) => a.form.localeCompare(b.form) || a.mib - b.mib)
    for (const { t, form, mib } of sorted) {
      const peak = t.peakBytes / MiB
      const err = peak - mib
      const pct = mib ? (Math.abs(err) / mib) * 100 : null
      const aim = Math.abs(err) <= Math.max(0.02 * mib, 0.5)
      const promise = Math.abs(err) <= Math.max(0.05 * mib, 1)
      const row = { pool: pool ?? 'forks', form, mib, peak, err, pct, aim, promise, heap: t.heapPeakBytes / MiB, ext: t.externalPeakBytes / MiB }
      rows.push(row)
      accuracyRows.push(row)
    }
    out(`2. Accuracy — fixture bench/fixtures/accuracy, pool=${pool ?? 'forks (default)'}, sampling interval ${json.samplingInterval}`)
    out(
      table(
        ['form', 'known MiB', 'peak MiB', '(heap / external)', 'error MiB', 'error %', 'aim ±max(2%,0.5MiB)', 'promise ±max(5%,1MiB)'],
        rows.map((r) => [
          r.form,
          r.mib,
          r.peak.toFixed(3),
          `${r.heap.toFixed(3)} / ${r.ext.toFixed(3)}`,
          (r.err >= 0 ? '+' : '') + r.err.toFixed(3),
          r.pct === null ? '-' : `${r.pct.toFixed(2)}%`,
          r.aim ? 'yes' : 'NO',
          r.promise ? 'yes' : 'NO',
        ]),
      ),
    )
    out()
  }
  accuracy(null)
  accuracy('threads')
  const worstAbs = accuracyRows.reduce((a, b) => (Math.abs(b.err) > Math.abs(a.err) ? b : a))
  const sized = accuracyRows.filter((r) => r.mib > 0)
  const worstPct = sized.reduce((a, b) => (b.pct > a.pct ? b : a))
  const aimMiss = accuracyRows.filter((r) => !r.aim)
  const promiseMiss = accuracyRows.filter((r) => !r.promise)
  const fmtRow = (r) => `${r.form} ${r.mib} MiB (${r.pool}): ${(r.err >= 0 ? '+' : '') + r.err.toFixed(3)} MiB${r.pct === null ? '' : `, ${r.pct.toFixed(2)}%`}`
  summary.push(`worst accuracy error (absolute): ${fmtRow(worstAbs)}`)
  summary.push(`worst accuracy error (relative): ${fmtRow(worstPct)}`)
  summary.push(`outside aim max(2%, 0.5 MiB): ${aimMiss.length ? aimMiss.map(fmtRow).join('; ') : 'none'}`)
  summary.push(`outside promise max(5%, 1 MiB): ${promiseMiss.length ? promiseMiss.map(fmtRow).join('; ') : 'none'}`)
  // Not a measuring error, and not one heapmark can remove: see docs/measuring.md, "Allocation mementos".
  if ([...aimMiss, ...promiseMiss].some((r) => r.form === 'objects' && r.err > 0)) {
    summary.push('  "objects" rows that read high: V8 tags new young objects with 16-byte allocation mementos while it decides where to allocate them (up to a third of the young generation; docs/measuring.md, "Allocation mementos")')
  }
}

// ---- 3. limitLeaks: cost and sensitivity ---------------------------------------
function leaksSection() {
  // Generated fixture: the same realistic body as a plain test and under limitLeaks (cost, from the
  // per-test durations heapmark reports), and leaks of known size per iteration against a limit of
  // half that size, ten times each (sensitivity), next to a body that leaks nothing (false alarms).
  const leakRoot = join(workRoot, 'leaks')
  mkdirSync(leakRoot, { recursive: true })
  writeFileSync(join(leakRoot, 'package.json'), '{ "private": true, "type": "module" }\n')
  writeFileSync(join(leakRoot, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'
export default defineConfig({ plugins: [heapmark({ enabled: true, json: 'report.json', hideSummary: true })] })
`)
  const LEAK_SIZES = [128, 256, 1024, 4096, 16384]
  writeFileSync(join(leakRoot, 'leaks.test.ts'), `import { expect, test } from 'vitest'
import { limitLeaks } from 'heapmark'
/** ~20 ms of ordinary work: build, serialise, parse and sort records. */
function work(): number {
  const rows = Array.from({ length: 4000 }, (_, i) => ({ id: i, name: 'row ' + i, tags: ['a', 'b', String(i % 7)] }))
  const parsed = JSON.parse(JSON.stringify(rows)) as typeof rows
  parsed.sort((a, b) => b.name.localeCompare(a.name))
  return parsed.length
}
for (let i = 1; i <= 7; i++) {
  test('cost plain ' + i, () => { expect(work()).toBe(4000) })
  test('cost limitLeaks ' + i, limitLeaks('1 MB', () => { expect(work()).toBe(4000) }))
}
const kept: unknown[] = []
for (const size of ${JSON.stringify(LEAK_SIZES)}) {
  for (let run = 1; run <= 10; run++) {
    // Exactly \`size\` bytes kept per iteration: a 32-byte array object and its 16 + 8n byte store.
    test('leak ' + size + ' run ' + run, limitLeaks(Math.floor(size / 2), () => { kept.push(new Array((size - 48) / 8).fill(0)) }, { iterations: 50, warmup: 2 }))
  }
}
for (let run = 1; run <= 10; run++) {
  test('no leak run ' + run, limitLeaks(512, () => { expect(work()).toBe(4000) }, { iterations: 20, warmup: 5 }))
}
`)
  runVitest(['run', '--root', '.', '--reporter=dot'], {}, leakRoot, { allowFailure: true })
  const leakReport = JSON.parse(readFileSync(join(leakRoot, 'report.json'), 'utf8'))
  const byName = (part) => leakReport.tests.filter((t) => t.name.includes(part))
  const plainMs = median(byName('cost plain').map((t) => t.durationMs))
  const leaksMs = median(byName('cost limitLeaks').map((t) => t.durationMs))
  out('3. limitLeaks — fixture generated in bench/.tmp/leaks')
  out(`   cost of a ~${plainMs.toFixed(0)} ms test: plain ${plainMs.toFixed(1)} ms, under limitLeaks ${leaksMs.toFixed(1)} ms → ${(leaksMs / plainMs).toFixed(2)}x (goal: at most 3x), medians of 7`)
  const sensitivity = LEAK_SIZES.map((size) => {
    const runs = byName(`leak ${size} run`)
    return [`${size} B`, `${Math.floor(size / 2)} B`, `${runs.filter((t) => t.state === 'failed').length}/${runs.length}`]
  })
  out(table(['leak per iteration', 'limit', 'caught (test failed)'], sensitivity))
  const falseAlarms = byName('no leak run').filter((t) => t.state === 'failed').length
  out(`   false alarms on a body that keeps nothing, limit 512 B per iteration (20 iterations): ${falseAlarms}/10`)
  const reliable = LEAK_SIZES.find((size) => byName(`leak ${size} run`).every((t) => t.state === 'failed'))
  out(`   smallest leak per iteration caught 10 times out of 10 (50 iterations, 1 KiB sampling): ${reliable === undefined ? 'none of those tried' : `${reliable} B`}`)
  out()
  summary.push(`limitLeaks cost: ${(leaksMs / plainMs).toFixed(2)}x on a ~${plainMs.toFixed(0)} ms test (goal ≤ 3x); smallest leak caught 10/10 per iteration: ${reliable ?? 'none tried'} B; false alarms ${falseAlarms}/10`)
}

// ---- 4. third-party suite: zod's own tests ------------------------------------
// zod publishes its sources with their own Vitest tests (src/**/tests/*.test.ts) in its npm
// tarball: a real, maintained suite that runs offline. We run its v4 core tests (27 files, 434
// tests: schemas, the compiler, locales) the way zod's developers do, from source through the
// "@zod/source" export condition with isolate: true and silent: true (zod's vitest.root.mjs).
// Left out: its type-checking pass (needs tsc and zod's tsconfig) and its console guard (a setup
// file that is not in the tarball). The whole tarball's 189 runnable files take ~150 s per run
// here, too long to repeat; this slice takes ~20-30 s.
const ZOD = {
  version: '4.6.7',
  integrity: 'sha512-g8W2D2kU6a8untc053fX1uVBKzM7yqAxW/3zwk83+6RyF2+SKOuV+c0wBDhUwzV1PaGapmZH+rmcUzPf+3CGwg==',
  include: ['src/v4/core/tests/**/*.test.ts'],
  // These two import esbuild, which is a devDependency of zod and not in its tarball.
  exclude: ['src/v4/core/tests/polyfill-collision.test.ts', 'src/v4/core/tests/treeshake.test.ts'],
}

/** The pinned tarball from bench/.cache/, fetched with `npm pack` the first time; { error } when it cannot be had. */
function zodTarball() {
  const cacheDir = join(repo, 'bench', '.cache')
  const file = join(cacheDir, `zod-${ZOD.version}.tgz`)
  const intact = () => existsSync(file) && `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}` === ZOD.integrity
  if (intact()) return { file, source: 'bench/.cache' }
  mkdirSync(cacheDir, { recursive: true })
  rmSync(file, { force: true })
  const r = spawnSync('npm', ['pack', `zod@${ZOD.version}`, '--pack-destination', cacheDir, '--silent'], { encoding: 'utf8' })
  if (r.status !== 0) return { error: `npm pack zod@${ZOD.version} failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}` }
  if (!intact()) {
    rmSync(file, { force: true })
    return { error: `zod-${ZOD.version}.tgz from the registry does not match the pinned integrity` }
  }
  return { file, source: 'npm registry, now cached in bench/.cache' }
}

function zodSection() {
  const tarball = zodTarball()
  if (tarball.error) {
    out(`4. Third-party suite (zod ${ZOD.version}) — SKIPPED: ${tarball.error}`)
    out()
    summary.push(`third-party suite (zod ${ZOD.version}): skipped (${tarball.error})`)
    return
  }
  const zodRoot = join(workRoot, 'zod')
  mkdirSync(zodRoot, { recursive: true })
  const untar = spawnSync('tar', ['-xzf', tarball.file, '-C', zodRoot, '--strip-components=1'], { encoding: 'utf8' })
  if (untar.status !== 0) {
    console.error(`bench: could not unpack ${tarball.file}: ${untar.stderr}`)
    process.exit(1)
  }
  // zod's package.json stays: its tests import "zod/v4" etc., a self-reference resolved through
  // its exports. Vitest comes from the repo's node_modules, heapmark from bench/.tmp/node_modules.
  writeFileSync(join(zodRoot, 'vitest.config.mjs'), `import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'

// zod's own settings (vitest.root.mjs in its repository), plus heapmark.
const conditions = ['@zod/source', 'default']
export default defineConfig({
  plugins: [heapmark()],
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ${JSON.stringify(ZOD.include)},
    exclude: ${JSON.stringify(ZOD.exclude)},
    isolate: true,
    silent: true,
    watch: false,
    // Not zod's: its heaviest test (400 random schemas) nears Vitest's 5 s default on a busy machine.
    testTimeout: 60_000,
  },
})
`)
  // A round is two runs of ~27 s (quiet machine): 4 rounds take ~4 min, 3 measured. Per-round
  // ratios spread widely on a shared machine; --zod-rounds 8 for a steadier median.
  const zodRounds = zodRoundsFlag ?? (quick ? 3 : Math.min(rounds, 4))
  const args = ['run', '--root', '.', '--reporter=dot']
  const reportFile = join(zodRoot, 'heapmark-report.json')
  const variants = [
    { key: 'off', label: 'off', env: {}, rounds: zodRounds },
    // The warm-up run also writes the JSON report, for the sanity check below.
    { key: 'on', label: 'on (default)', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1' }, warmupEnv: { HEAPMARK_JSON: reportFile }, rounds: zodRounds },
  ]
  out(`4. Third-party suite — zod ${ZOD.version}'s own tests (${ZOD.include.join(', ')}), tarball from ${tarball.source}`)
  out(`   run as zod runs them (from source, isolate: true), reporter=dot; ${zodRounds} rounds (round 1 = warm-up, discarded)${zodRoundsFlag === undefined && quick ? ' (--quick)' : ''}; off/on alternate within each round`)
  let ran = null
  const loadBefore = loadAverage()
  const rows = interleaved(variants, args, zodRoot, {
    onWarmup(v, r) {
      if (v.key !== 'off') return
      const files = /Test Files\s+(\d+) passed/.exec(r.stdout)
      const tests = /Tests\s+(\d+) passed \((\d+)\)/.exec(r.stdout)
      ran = { files: files ? Number(files[1]) : NaN, tests: tests && tests[1] === tests[2] ? Number(tests[1]) : NaN }
    },
  })
  // Sanity: heapmark measured every test Vitest ran (the warm-up "on" run wrote the report).
  const report = JSON.parse(readFileSync(reportFile, 'utf8'))
  const listed = report.tests.length
  const sane = Number.isInteger(ran?.tests) && listed === ran.tests && report.totals.tests === ran.tests
  out(`   Vitest ran ${ran?.files} files, ${ran?.tests} tests (all passed); heapmark's JSON report lists ${listed} tests → ${sane ? 'OK' : 'MISMATCH'}`)
  out()
  printInterleaved(rows)
  out()
  const on = rows[1]
  summary.push(`${costLine(`zod ${ZOD.version} (${ran?.tests} tests in ${ran?.files} files)`, rows, loadBefore)}; report lists ${listed}/${ran?.tests} tests${sane ? '' : ' — MISMATCH'}`)
  if (!sane) process.exitCode = 1
}

if (selected('overhead')) overheadSection()
if (selected('json300')) json300Section()
if (selected('tiny')) tinySection()
if (selected('accuracy')) accuracySection()
if (selected('leaks')) leaksSection()
if (selected('zod')) zodSection()

out('Summary')
for (const line of summary) out(`  ${line}`)
out(`  load average at start ${loadAtStart}, at end ${loadAverage()} (1/5/15 min; 2 cores: above ~1 the machine was shared)`)
out(`  bench took ${sec(performance.now() - benchStart)}`)
