// Cost of a default limit (`limit` / HEAPMARK_LIMIT): the bench suite with heapmark on, without
// and with a default limit no test reaches (so every test gets the limit's strict start and its
// check, and none fails). Variants interleaved, their order rotated each round, round 1 a warm-up;
// median CPU (user+sys of the process tree) and wall ratios, the load average, and GC counts from
// one extra --trace-gc run per variant.
//   npm run build && node bench/default-limit.mjs [--rounds 8]
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasTime, installHeapmarkCopy, median, ratio, scrubbedEnv, sec, timedNode } from './lib.mjs'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs')
// As bench/run.mjs: heapmark installed in node_modules next to the suite, as users have it.
const workRoot = join(repo, 'bench', '.tmp', 'default-limit')
rmSync(workRoot, { recursive: true, force: true })
installHeapmarkCopy(repo, workRoot)
cpSync(join(repo, 'bench', 'fixtures', 'suite'), join(workRoot, 'suite'), { recursive: true })
writeFileSync(join(workRoot, 'suite', 'package.json'), '{ "private": true, "type": "module" }\n')

const roundsIdx = process.argv.indexOf('--rounds')
const rounds = roundsIdx >= 0 ? Number(process.argv[roundsIdx + 1]) : 8
const args = [vitestBin, 'run', '--root', join(workRoot, 'suite'), '--reporter=dot']
const variants = [
  { key: 'on', env: { HEAPMARK: '1' } },
  { key: 'on + limit', env: { HEAPMARK: '1', HEAPMARK_LIMIT: '1 GB' } },
]
const run = (env, extraArgs = []) => {
  const r = timedNode([...args, ...extraArgs], { cwd: repo, env: { ...scrubbedEnv(), ...env } })
  if (r.status !== 0) throw new Error(`run failed (${JSON.stringify(env)}):\n${r.stdout}\n${r.stderr}`)
  return r
}

const loads = [loadavg()[0]]
const results = Object.fromEntries(variants.map((v) => [v.key, []]))
for (let round = 1; round <= rounds; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length])
  for (const v of order) {
    const r = run(v.env)
    if (round > 1) results[v.key].push({ round, ...r })
  }
  loads.push(loadavg()[0])
  process.stderr.write(`round ${round}${round === 1 ? ' (warm-up)' : ''} done\n`)
}
// The test workers' GCs (Node refuses --trace-gc in NODE_OPTIONS; Vitest passes execArgv on).
const gcCounts = (env) => {
  const r = run(env, ['--execArgv=--trace-gc'])
  const text = r.stdout + r.stderr
  return { scavenges: (text.match(/Scavenge/g) ?? []).length, markCompacts: (text.match(/Mark-Compact|Mark-sweep/g) ?? []).length }
}
const base = results.on
for (const v of variants) {
  const rs = results[v.key]
  const wall = median(rs.map((r) => r.wall))
  const cpu = hasTime ? median(rs.map((r) => r.cpu)) : null
  const wallRatio = median(rs.map((r) => r.wall / base.find((o) => o.round === r.round).wall))
  const cpuRatio = hasTime ? median(rs.map((r) => r.cpu / base.find((o) => o.round === r.round).cpu)) : null
  const gc = gcCounts(v.env)
  console.log(`${v.key.padEnd(11)} wall ${sec(wall)} (${ratio(wallRatio)})  cpu ${cpu === null ? 'n/a' : `${sec(cpu)} (${ratio(cpuRatio)})`}  GCs: ${gc.markCompacts} mark-compacts, ${gc.scavenges} scavenges`)
}
console.log(`${rounds - 1} measured rounds; load average (1 min) during the runs: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}`)
rmSync(workRoot, { recursive: true, force: true })
