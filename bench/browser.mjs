// heapmark's cost on a Vitest browser-mode suite (Chromium through Playwright): 120 component-style
// tests in 12 files, run with heapmark off and on, alternately. Reports the median CPU ratio (user +
// sys of the whole process tree: Vitest, Playwright and the Chromium processes they reap) and the
// wall ratio, the Vitest process's own GC counts (--trace-gc) on vs off, and the load average.
//
//   node bench/browser.mjs               # 1 warm-up + 7 rounds of off/on
//   node bench/browser.mjs --rounds 9
//
// Needs /usr/bin/chromium (Debian's package; Playwright's own browser downloads are not used).
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hasTime, installHeapmarkCopy, median, ratio, scrubbedEnv, sec, table, timedNode } from './lib.mjs'

const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  console.log(`browser bench skipped: no ${CHROMIUM} (apt-get install -y chromium)`)
  process.exit(0)
}
const argv = process.argv.slice(2)
const roundsIdx = argv.indexOf('--rounds')
const rounds = roundsIdx >= 0 ? Number(argv[roundsIdx + 1]) : 7
const FILES = 12
const TESTS_PER_FILE = 10

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const work = join(repo, 'bench', '.tmp-browser')
rmSync(work, { recursive: true, force: true })
installHeapmarkCopy(repo, work)
const suite = join(work, 'suite')
mkdirSync(join(suite, 'src'), { recursive: true })
writeFileSync(join(suite, 'package.json'), '{ "private": true, "type": "module" }\n')
writeFileSync(
  join(suite, 'vitest.config.ts'),
  `import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { heapmark } from 'heapmark/vitest'
export default defineConfig({
  plugins: [heapmark()],
  test: { browser: { enabled: true, headless: true, screenshotFailures: false, provider: playwright({ launchOptions: { executablePath: ${JSON.stringify(CHROMIUM)}, args: ['--no-sandbox'] } }), instances: [{ browser: 'chromium' }] } },
})
`,
)
writeFileSync(
  join(suite, 'src', 'list.ts'),
  `export function mountList(host: HTMLElement, count: number): { root: HTMLElement; unmount: () => void } {
  const root = document.createElement('ul')
  root.className = 'list'
  for (let i = 0; i < count; i++) {
    const item = document.createElement('li')
    item.textContent = 'item ' + i
    item.dataset.index = String(i)
    root.appendChild(item)
  }
  const onClick = (event: Event) => { (event.target as HTMLElement).classList.toggle('selected') }
  root.addEventListener('click', onClick)
  host.appendChild(root)
  return { root, unmount: () => { root.removeEventListener('click', onClick); root.remove() } }
}

export function buildRows(count: number): Array<{ id: number; label: string }> {
  return Array.from({ length: count }, (_, id) => ({ id, label: 'row ' + id }))
}
`,
)
for (let file = 0; file < FILES; file++) {
  const tests = []
  for (let t = 0; t < TESTS_PER_FILE; t++) {
    // One test in ten allocates a few MiB, so the allocation-site round trip is part of the cost.
    tests.push(
      t === 0
        ? `test('rows ${t}', () => { expect(buildRows(60_000)).toHaveLength(60_000) })`
        : `test('list ${t}', () => {
  const { root, unmount } = mountList(document.body, ${100 + t * 20})
  ;(root.children[3] as HTMLElement).click()
  expect(root.querySelectorAll('.selected')).toHaveLength(1)
  unmount()
  expect(document.querySelector('.list')).toBeNull()
})`,
    )
  }
  writeFileSync(join(suite, `list-${file}.test.ts`), `import { expect, test } from 'vitest'\nimport { buildRows, mountList } from './src/list'\n\n${tests.join('\n')}\n`)
}

const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs')
function runOnce(on) {
  const env = { ...scrubbedEnv(), ...(on ? { HEAPMARK: '1' } : {}) }
  const run = timedNode(['--trace-gc', vitest, 'run', '--reporter=dot'], { cwd: suite, env })
  if (run.status !== 0) {
    console.error(run.stdout.slice(-3000), run.stderr.slice(-3000))
    throw new Error(`browser bench: the suite failed with heapmark ${on ? 'on' : 'off'}`)
  }
  const measured = on && /heapmark: memory report \((\d+) tests measured/.exec(run.stdout)
  if (on && (!measured || Number(measured[1]) !== FILES * TESTS_PER_FILE)) throw new Error(`browser bench: expected ${FILES * TESTS_PER_FILE} measured tests:\n${run.stdout.slice(-2000)}`)
  const count = (pattern) => (run.stdout.match(pattern) ?? []).length
  return { wall: run.wall, cpu: run.cpu, scavenges: count(/: Scavenge\b/g), markCompacts: count(/: Mark-Compact\b/g) }
}

console.log(`browser bench: ${FILES * TESTS_PER_FILE} tests in ${FILES} files, Chromium headless; 1 warm-up + ${rounds} rounds of off/on`)
const loadBefore = loadavg()
runOnce(false)
runOnce(true)
const off = []
const on = []
for (let round = 0; round < rounds; round++) {
  off.push(runOnce(false))
  on.push(runOnce(true))
  process.stdout.write('.')
}
process.stdout.write('\n')
const loadAfter = loadavg()
const cpuRatio = hasTime ? median(on.map((r, i) => r.cpu / off[i].cpu)) : NaN
const wallRatio = median(on.map((r, i) => r.wall / off[i].wall))
const pick = (runs, key) => median(runs.map((r) => r[key]))
console.log(
  table(
    ['heapmark', 'wall (median)', 'CPU (median)', 'scavenges', 'mark-compacts'],
    [
      ['off', sec(pick(off, 'wall')), hasTime ? sec(pick(off, 'cpu')) : 'n/a', pick(off, 'scavenges'), pick(off, 'markCompacts')],
      ['on', sec(pick(on, 'wall')), hasTime ? sec(pick(on, 'cpu')) : 'n/a', pick(on, 'scavenges'), pick(on, 'markCompacts')],
    ],
  ),
)
console.log(`on/off: CPU ${hasTime ? ratio(cpuRatio) : 'n/a (no /usr/bin/time)'}, wall ${ratio(wallRatio)} (median of per-round ratios)`)
console.log(`GC counts are the Vitest process's (--trace-gc); in the page heapmark forces one full GC per test and one per file by design.`)
console.log(`load average (1/5/15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}`)
rmSync(work, { recursive: true, force: true })
