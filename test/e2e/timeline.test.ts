/**
 * `heapmark timeline` end to end (issue 9, "Visual"): a real Vitest run writes a JSON report (a
 * file where test 3 of 10 keeps 5 MiB in a module-level array, and a clean file, in one worker),
 * then the built CLI turns it into the page. The page is checked as data (its JSON island against
 * the report), as HTML, and, when /usr/bin/chromium exists, as a page that really draws, answers
 * hover and click, and is screenshotted into the fixture folder.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import type { MemoryReport } from '../../src/core/report/model.js'
import type { TimelineData } from '../../src/reporters/timeline.js'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { BLOCK, CACHE_TEST_FILE } from '../helpers/retention-fixtures.js'
import { MiB } from '../helpers/report.js'

const CHROMIUM = '/usr/bin/chromium'

const files = {
  // One worker runs both files (isolate: false reuses it), so its line crosses a file boundary.
  'vitest.config.ts': config('{}', "{ include: ['*.test.ts'], isolate: false, maxWorkers: 1 }"),
  'cache.test.ts': CACHE_TEST_FILE,
  'clean.test.ts': `import { expect, test } from 'vitest'
${BLOCK}
for (let i = 1; i <= 4; i++) test('clean ' + i, () => { expect(block(2).length).toBeGreaterThan(0) })
`,
}

const PAGE = 'heapmark-timeline-report.html'
const RETAINER = 'cache.test.ts > test 3'

function dataIsland(html: string): TimelineData {
  const match = /<script type="application\/json" id="heapmark-data">([^<]*)<\/script>/.exec(html)
  if (!match) throw new Error('no data island')
  return JSON.parse(match[1]!) as TimelineData
}

describe(`heapmark timeline (${matrix.name})`, () => {
  let run: FixtureRun
  let report: MemoryReport
  const heapmark = (args: string[]) => run.rerun(['timeline', ...args], { command: 'heapmark' })

  beforeAll(async () => {
    run = await runFixture(files, ['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_JSON: 'report.json' } })
    expect(run.exitCode, run.output).toBe(0)
    report = run.readJson('report.json') as MemoryReport
  }, 120_000)

  test('writes one self-contained page next to the report, with every worker and point, the retaining test highlighted', async () => {
    const result = await heapmark(['report.json'])
    expect(result.exitCode, result.output).toBe(0)
    expect(result.stdout.trim()).toBe(`Wrote ${PAGE}`)
    const html = await readFile(join(run.dir, PAGE), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script[^>]+src=|<link|@import|fetch\(|XMLHttpRequest/)
    // The only URL is the SVG namespace name, which is never fetched.
    expect(html.match(/https?:\/\/[^'"\s]*/g)).toEqual(['http://www.w3.org/2000/svg'])

    const data = dataIsland(html)
    expect(data.workers.map((worker) => worker.id)).toEqual(report.workers.map((worker) => worker.worker))
    for (const [index, worker] of report.workers.entries()) {
      const drawn = data.workers[index]!
      expect(drawn.b).toEqual(worker.points.map((point) => point.bytes))
      expect(drawn.e).toEqual(worker.points.map((point) => (point.exact ? 1 : 0)))
      expect(drawn.t.map((t) => (t < 0 ? undefined : data.tests[t]!.n))).toEqual(worker.points.map((point) => point.test))
    }
    // One worker ran both files: its line starts each of them with a point of its own.
    const [worker] = data.workers
    expect(data.workers).toHaveLength(1)
    expect(worker!.t.filter((t) => t < 0)).toHaveLength(2)
    expect(new Set(worker!.f.map((f) => data.files[f]))).toEqual(new Set(['cache.test.ts', 'clean.test.ts']))
    expect(worker!.t.filter((t) => t >= 0)).toHaveLength(14)

    // Highlighted (retained >= 1 MiB): test 3 and no other test.
    expect(data.hot).toBe(MiB)
    const hot = data.tests.filter((t) => (t.r ?? 0) >= data.hot)
    expect(hot.map((t) => t.n)).toEqual([RETAINER])
    expect(hot[0]!.r).toBeGreaterThan(4.5 * MiB)
    expect(hot[0]!.r).toBeLessThan(5.5 * MiB)
    // Its allocation sites travel with it, frames deduplicated into a table.
    const frame = data.frames[hot[0]!.a[0]![2][0]!]!
    expect(frame).toEqual(['block', expect.stringMatching(/^cache\.test\.ts:\d+$/), 0])
    expect(html).toContain(`<span class="label">Kept the most</span><span class="value">+${(hot[0]!.r! / MiB).toFixed(1)} MiB cache.test.ts &gt; test 3</span>`)
  })

  test('-o writes elsewhere; an existing output is kept unless --force', async () => {
    const custom = await heapmark(['report.json', '-o', 'custom.html'])
    expect(custom.exitCode, custom.output).toBe(0)
    expect(run.exists('custom.html')).toBe(true)

    await writeFile(join(run.dir, 'custom.html'), 'keep me')
    const refused = await heapmark(['report.json', '-o', 'custom.html'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('heapmark timeline: Output "custom.html" already exists: pass --force to overwrite it')
    expect(await readFile(join(run.dir, 'custom.html'), 'utf8')).toBe('keep me')

    const forced = await heapmark(['report.json', '-o', 'custom.html', '--force'])
    expect(forced.exitCode, forced.output).toBe(0)
    expect(await readFile(join(run.dir, 'custom.html'), 'utf8')).toMatch(/^<!doctype html>/)
  })

  test('errors: a missing file, a JSON file that is not a report, a report without timelines (exit 1); no argument (exit 2)', async () => {
    const missing = await heapmark(['nope.json'])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('heapmark timeline: Cannot read the JSON report "nope.json": no such file')

    const notReport = await heapmark(['package.json'])
    expect(notReport.exitCode).toBe(1)
    expect(notReport.stderr).toContain('heapmark timeline: "package.json" is not a heapmark JSON report')

    await writeFile(join(run.dir, 'old.json'), JSON.stringify({ ...report, workers: [], incidents: [] }))
    const empty = await heapmark(['old.json'])
    expect(empty.exitCode).toBe(1)
    expect(empty.stderr).toContain('heapmark timeline: "old.json" has no per-worker timeline ("workers" is empty)')
    expect(run.exists('heapmark-timeline-old.html')).toBe(false)

    const none = await heapmark([])
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain('heapmark timeline: missing the JSON report.')
    expect(none.stderr).toContain('Usage: heapmark timeline <report.json>')

    const help = await heapmark(['--help'])
    expect(help.exitCode).toBe(0)
    expect(help.stdout).toContain('Usage: heapmark timeline <report.json> [options]')
  })

  describe.skipIf(!existsSync(CHROMIUM))(`in a browser (${CHROMIUM}; skipped when absent: apt-get install -y chromium)`, () => {
    const chromium = (args: string[]) => new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
      execFile(CHROMIUM, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${join(run.dir, 'chromium-profile')}`, ...args,
      ], { timeout: 90_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
      })
    })
    const pageUrl = (file: string, hash = '') => `file://${join(run.dir, file)}${hash}`

    beforeAll(async () => {
      if (!run.exists(PAGE)) expect((await heapmark(['report.json'])).exitCode).toBe(0)
    })

    test('draws a circle per point, the retainer in red with its figure, and a file boundary', async () => {
      const dom = await chromium(['--dump-dom', pageUrl(PAGE)])
      expect(dom.exitCode, dom.stderr).toBe(0)
      const points = report.workers.reduce((total, worker) => total + worker.points.length, 0)
      // The circles only exist once the page script ran: the file itself has none.
      expect(await readFile(join(run.dir, PAGE), 'utf8')).not.toContain('<circle')
      expect((dom.stdout.match(/<circle[^>]*class="pt /g) ?? []).length).toBe(points)
      expect((dom.stdout.match(/<circle[^>]*class="pt (exact|bound) hot"/g) ?? []).length).toBe(1)
      expect(dom.stdout).toMatch(/class="hot-label"[^>]*>\+(4\.[5-9]|5\.[0-4]) MiB<\/text>/)
      expect(dom.stdout).toMatch(/<button class="chip"[^>]*>\+\d\.\d MiB {2}cache\.test\.ts &gt; test 3<\/button>/)
      expect((dom.stdout.match(/class="boundary"/g) ?? []).length).toBe(1)
    })

    test('hover names the test with its live and retained memory; click shows its peak and allocation sites', async () => {
      // A copy of the page with a probe after its script: real pointer events on the red point.
      const html = await readFile(join(run.dir, PAGE), 'utf8')
      const probe = `<script>
(function () {
  var hot = document.querySelector('circle.pt.hot');
  var box = hot.getBoundingClientRect();
  var at = { bubbles: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
  var tooltip = document.getElementById('tooltip');
  hot.dispatchEvent(new MouseEvent('mousemove', at));
  var lines = ['TOOLTIP hidden=' + tooltip.hidden];
  for (var i = 0; i < tooltip.children.length; i++) lines.push('TOOLTIP ' + tooltip.children[i].textContent);
  hot.dispatchEvent(new MouseEvent('click', at));
  var details = hot.closest('section').querySelector('.details');
  lines.push('DETAILS ' + details.textContent);
  var out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = lines.join('\\n');
  document.body.appendChild(out);
})();
</script>
</body>`
      await writeFile(join(run.dir, 'probe.html'), html.replace('</body>', probe))
      const dom = await chromium(['--dump-dom', pageUrl('probe.html')])
      expect(dom.exitCode, dom.stderr).toBe(0)
      const output = /<pre id="probe">([^<]*)<\/pre>/.exec(dom.stdout)?.[1] ?? ''
      expect(output).toContain('TOOLTIP hidden=false')
      expect(output).toContain('TOOLTIP cache.test.ts &gt; test 3\n')
      expect(output).toContain('TOOLTIP cache.test.ts\n')
      expect(output).toMatch(/TOOLTIP Live memory after it: \d+\.\d MiB \(exact: right after a full GC\)|TOOLTIP Live memory after it: at most \d+\.\d MiB/)
      expect(output).toMatch(/TOOLTIP Retained: \+(4\.[5-9]|5\.[0-4]) MiB \((exact|at least)\)/)
      expect(output).toMatch(/TOOLTIP Peak: [67]\.\d MiB/)
      expect(output).toMatch(/DETAILS cache\.test\.ts &gt; test 3Filecache\.test\.tsStatepassedPeak\d/)
      expect(output).toMatch(/Biggest allocation sites during the test/)
      expect(output).toMatch(/blockcache\.test\.ts:\d+/)
    })

    test('#test=<name> selects a test; a screenshot of the page goes into the fixture folder', async () => {
      const dom = await chromium(['--dump-dom', pageUrl(PAGE, `#test=${encodeURIComponent(RETAINER)}`)])
      expect(dom.exitCode, dom.stderr).toBe(0)
      expect(dom.stdout).toContain('<h3>cache.test.ts &gt; test 3</h3>')
      expect(dom.stdout).toMatch(/<button class="chip active"/)
      expect(dom.stdout).toMatch(/class="selected"[^>]*visibility="visible"|visibility="visible"[^>]*class="selected"/)

      const png = join(run.dir, 'timeline.png')
      const shot = await chromium([`--screenshot=${png}`, '--window-size=1280,900', pageUrl(PAGE, `#test=${encodeURIComponent(RETAINER)}`)])
      expect(shot.exitCode, shot.stderr).toBe(0)
      expect((await stat(png)).size).toBeGreaterThan(20_000)
    })
  })
})
