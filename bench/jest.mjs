// heapmark's overhead under Jest: the bench suite (bench/fixtures/suite, the same tests bench/run.mjs
// runs under Vitest) run by Jest 30 with babel-jest, heapmark off vs on, interleaved rounds.
//
//   npm run build && node bench/jest.mjs [--rounds N]     # N rounds, the first a discarded warm-up
//
// Builds nothing: it copies the built package (dist/) into bench/.tmp/jest/node_modules/heapmark,
// as an install lays it out. Jest runs with its own defaults (on 2 cores: in band), from a cache
// warmed by the first round, so neither variant pays for transforming the suite.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gcColumns, gcCounting, hasTime, installHeapmarkCopy, loadAverage, median, ratio, scrubbedEnv, sec, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const jestBin = join(repo, 'node_modules', 'jest', 'bin', 'jest.js')
const root = join(repo, 'bench', '.tmp', 'jest')

const argv = process.argv.slice(2)
const roundsAt = argv.indexOf('--rounds')
const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 8
if (!Number.isInteger(rounds) || rounds < 2) {
  console.error('--rounds must be an integer >= 2 (the first round is a warm-up)')
  process.exit(2)
}
if (!existsSync(join(repo, 'dist', 'jest', 'environment.cjs'))) {
  console.error('bench/jest.mjs: no dist/jest build; run `npm run build` first')
  process.exit(2)
}

// ---- the fixture: the Vitest bench suite as a Jest + TypeScript project -----------------------
rmSync(root, { recursive: true, force: true })
installHeapmarkCopy(repo, root)
const suiteDir = join(repo, 'bench', 'fixtures', 'suite')
const files = readdirSync(suiteDir).filter((name) => name.endsWith('.test.ts'))
for (const name of files) {
  // The suite uses only describe/it/expect/beforeEach: Jest's own are the same API.
  writeFileSync(join(root, name), readFileSync(join(suiteDir, name), 'utf8').replace(/from 'vitest'/g, "from '@jest/globals'"))
}
writeFileSync(join(root, 'package.json'), '{ "private": true }\n')
writeFileSync(join(root, 'babel.config.js'), "module.exports = { presets: ['@babel/preset-typescript'], plugins: ['@babel/plugin-transform-modules-commonjs'] }\n")
writeFileSync(
  join(root, 'jest.config.js'),
  `module.exports = {
  testEnvironment: 'heapmark/jest/environment',
  reporters: [['heapmark/jest/reporter', {}], 'summary'],
  cacheDirectory: '<rootDir>/.jest-cache',
}
`,
)

/** One Jest run: { wall, cpu } in ms (cpu: user+sys of the process tree, null without /usr/bin/time). */
function runJest(extraEnv) {
  const counting = gcCounting()
  const run = timedNode([jestBin], { cwd: root, env: { ...scrubbedEnv(['JEST']), ...extraEnv, ...counting.env } })
  run.gc = counting.collect()
  if (run.status !== 0) {
    console.error(`bench/jest.mjs: jest failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`)
    process.exit(1)
  }
  return { wall: run.wall, cpu: run.cpu, output: run.stderr, gc: run.gc }
}

const variants = [
  { key: 'off', env: {} },
  { key: 'on', env: { HEAPMARK: '1', HEAPMARK_HIDE_SUMMARY: '1' } },
]
const results = { off: [], on: [] }
const loadBefore = loadAverage()
console.log(`heapmark Jest bench: node ${process.version}, ${files.length} test files from bench/fixtures/suite, ${rounds} rounds (round 1 = warm-up, discarded), variants alternate`)
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 ? variants : [...variants].reverse()
  const line = []
  for (const variant of order) {
    const run = runJest(variant.env)
    if (round === 1 && variant.key === 'off') {
      const tests = /Tests:\s+(\d+) passed/.exec(run.output)
      console.log(`suite: ${tests ? tests[1] : '?'} tests`)
    }
    if (round > 1) results[variant.key].push({ round, ...run })
    line.push(`${variant.key} ${sec(run.wall)}`)
  }
  process.stderr.write(`  round ${round}${round === 1 ? ' (warm-up)' : ''}: ${line.join(', ')}\n`)
}

const offWall = median(results.off.map((r) => r.wall))
const onWall = median(results.on.map((r) => r.wall))
const perRound = results.on.map((r) => r.wall / results.off.find((o) => o.round === r.round).wall)
console.log()
console.log(`median wall: off ${sec(offWall)}, on ${sec(onWall)} -> on/off ${ratio(onWall / offWall)} (median of per-round ratios ${ratio(median(perRound))}; rounds: ${perRound.map((r) => r.toFixed(2)).join(' ')})`)
if (hasTime) {
  const offCpu = median(results.off.map((r) => r.cpu))
  const onCpu = median(results.on.map((r) => r.cpu))
  const perRoundCpu = results.on.map((r) => r.cpu / results.off.find((o) => o.round === r.round).cpu)
  console.log(`median cpu:  off ${sec(offCpu)}, on ${sec(onCpu)} -> on/off ${ratio(onCpu / offCpu)} (median of per-round ratios ${ratio(median(perRoundCpu))}) — goal ≤ 1.05x: ${onCpu / offCpu <= 1.05 ? 'met' : 'NOT met'}`)
}
const [markCompacts, scavenges] = gcColumns(results.off, results.on)
console.log(`GCs per run (medians, on / off): mark-compacts ${markCompacts}, scavenges ${scavenges}`)
console.log(`load average (1/5/15 min): ${loadBefore} at start, ${loadAverage()} at end`)
rmSync(root, { recursive: true, force: true })
