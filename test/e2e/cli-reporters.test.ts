/**
 * The report commands end to end: the built CLI (`node dist/cli/bin.js`) in a child process, on
 * real `node --heap-prof` profiles made here and on hand-built heapmark captures. The flamegraph is
 * also loaded in headless Chromium when /usr/bin/chromium exists (CI installs it), to check the
 * page's script really draws frames.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureNode } from '../../src/core/capture/format.js'
import { makeCaptureJson, sampleTree } from '../helpers/captures.js'
import { config, runFixture, repoRoot } from '../helpers/run-fixture.js'

const BIN = join(repoRoot, 'dist/cli/bin.js')
const CHROMIUM = '/usr/bin/chromium'

interface CliResult { exitCode: number; stdout: string; stderr: string }

function run(file: string, args: string[], options: { cwd?: string; timeout?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeout ?? 60_000, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

const heapmark = (...args: string[]) => run(process.execPath, [BIN, ...args])

/** A program whose allocations have recognisable names; ESM so frames carry file URLs. */
const PROGRAM = `
function makeRow(i) { return { id: i, name: 'row ' + i, tags: ['a', 'b'] } }
function buildRows(n) { const rows = []; for (let i = 0; i < n; i++) rows.push(makeRow(i)); return rows }
function bigArray() { return new Array(2_000_000).fill(0.5) }
function joinText(rows) { return rows.map((row) => row.name).join('\\n') }
const rows = buildRows(150_000)
globalThis.keep = [rows, bigArray(), joinText(rows)]
`

let dir: string
let realProfile: string
let realJson: { head: CaptureNode }
let heapmarkCapture: string

function sumSelf(node: CaptureNode): number {
  return node.selfSize + node.children.reduce((total, child) => total + sumSelf(child), 0)
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`)
  dir = await mkdtemp(join(tmpdir(), 'heapmark-cli-reporters-'))
  await writeFile(join(dir, 'program.mjs'), PROGRAM)
  const profiled = await run(process.execPath, ['--heap-prof', '--heap-prof-dir', join(dir, 'real'), 'program.mjs'], { cwd: dir })
  expect(profiled.exitCode, profiled.stderr).toBe(0)
  const [name] = await readdir(join(dir, 'real'))
  realProfile = join(dir, 'real', name!)
  realJson = JSON.parse(await readFile(realProfile, 'utf8')) as { head: CaptureNode }
  await mkdir(join(dir, 'captures'))
  heapmarkCapture = join(dir, 'captures', 'app-builds.heapprofile')
  await writeFile(heapmarkCapture, JSON.stringify(makeCaptureJson(sampleTree())))
  await writeFile(join(dir, 'captures', 'app-parses.heapprofile'), JSON.stringify(makeCaptureJson(sampleTree(), { metadata: { name: 'test/app.test.ts > app > parses <json>' } })))
})

afterAll(async () => {
  if (process.env.HEAPMARK_E2E_KEEP === '1') console.log(`[heapmark e2e] kept ${dir}`)
  else if (dir) await rm(dir, { recursive: true, force: true })
})

describe('text reports', () => {
  it('stats on a real profile names the allocating functions and says it has no metadata', async () => {
    const result = await heapmark('stats', realProfile)
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('Peak memory: n/a, no heapmark metadata')
    expect(result.stdout).toMatch(/Histogram of allocation sizes:\n\s+≤ \d/)
    expect(result.stdout).toMatch(/- (buildRows|makeRow|bigArray) at .*program\.mjs:\d+ -> /)
  })

  it('stats --json gives an object for a file and an array for a directory', async () => {
    const one = await heapmark('stats', heapmarkCapture, '--json')
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'heapmark-stats', name: 'test/app.test.ts > app > builds', peakBytes: 12 << 20 })
    const all = await heapmark('stats', join(dir, 'captures'), '--json')
    expect((JSON.parse(all.stdout) as Array<{ name: string }>).map((entry) => entry.name)).toEqual([
      'test/app.test.ts > app > builds',
      'test/app.test.ts > app > parses <json>',
    ])
  })

  it.each(['stats', 'summary', 'table', 'tree'])('%s on a directory prints one section per capture, headed by the test name', async (command) => {
    const result = await heapmark(command, join(dir, 'captures'))
    expect(result.exitCode, result.stderr).toBe(0)
    const builds = result.stdout.indexOf('test/app.test.ts > app > builds')
    const parses = result.stdout.indexOf('test/app.test.ts > app > parses <json>')
    expect(builds).toBeGreaterThanOrEqual(0)
    expect(parses).toBeGreaterThan(builds)
    expect(result.stdout).toContain('toCsv')
    expect(result.stdout).not.toContain('\u001b[')
  })

  it('summary, table and tree read real profiles', async () => {
    for (const command of ['summary', 'table', 'tree']) {
      const result = await heapmark(command, realProfile)
      expect(result.exitCode, `${command}: ${result.stderr}`).toBe(0)
      expect(result.stdout, command).toMatch(/buildRows|makeRow|bigArray/)
    }
  })
})

describe('file outputs', () => {
  it('transform --format pprof writes gzip profile.proto whose totals match the capture', async () => {
    const result = await heapmark('transform', realProfile, '--format', 'pprof')
    expect(result.exitCode, result.stderr).toBe(0)
    const output = join(dir, 'real', `heapmark-pprof-${realProfile.split('/').pop()!.replace('.heapprofile', '')}.pb.gz`)
    expect(result.stdout).toContain(`Wrote ${output}`)
    const profile = Profile.decode(gunzipSync(await readFile(output)))
    const strings = profile.stringTable.strings
    expect(profile.sampleType.map((type) => strings[Number(type.type)])).toEqual(['alloc_objects', 'alloc_space'])
    const bytes = profile.sample.reduce((total, sample) => total + Number(sample.value[1]), 0)
    expect(bytes).toBe(sumSelf(realJson.head))
    expect(profile.function.map((fn) => strings[Number(fn.name)])).toEqual(expect.arrayContaining(['buildRows', 'bigArray']))
    expect(profile.function.map((fn) => strings[Number(fn.filename)])).toContainEqual(expect.stringMatching(/program\.mjs$/))
  })

  it('transform --format speedscope writes speedscope JSON weighted by bytes', async () => {
    const output = join(dir, 'out.speedscope.json')
    const result = await heapmark('transform', realProfile, '--format', 'speedscope', '-o', output)
    expect(result.exitCode, result.stderr).toBe(0)
    const file = JSON.parse(await readFile(output, 'utf8')) as { $schema: string; shared: { frames: unknown[] }; profiles: Array<{ type: string; unit: string; samples: number[][]; weights: number[]; endValue: number }> }
    expect(file.$schema).toBe('https://www.speedscope.app/file-format-schema.json')
    const [profile] = file.profiles
    expect(profile).toMatchObject({ type: 'sampled', unit: 'bytes' })
    expect(profile!.weights.reduce((a, b) => a + b, 0)).toBe(sumSelf(realJson.head))
    expect(profile!.samples.flat().every((index) => index >= 0 && index < file.shared.frames.length)).toBe(true)
  })

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const output = join(dir, 'force.html')
    expect((await heapmark('flamegraph', heapmarkCapture, '-o', output)).exitCode).toBe(0)
    const again = await heapmark('flamegraph', heapmarkCapture, '-o', output)
    expect(again.exitCode).toBe(1)
    expect(again.stderr).toContain(`Output ${JSON.stringify(output)} already exists: pass --force`)
    expect((await heapmark('flamegraph', heapmarkCapture, '-o', output, '--force')).exitCode).toBe(0)
  })

  it('flamegraph on a directory writes one page per capture next to them, or into -o', async () => {
    const result = await heapmark('flamegraph', join(dir, 'captures'))
    expect(result.exitCode, result.stderr).toBe(0)
    const pages = (await readdir(join(dir, 'captures'))).filter((name) => name.endsWith('.html')).sort()
    expect(pages).toEqual(['heapmark-flamegraph-app-builds.html', 'heapmark-flamegraph-app-parses.html'])
    const parses = await readFile(join(dir, 'captures', pages[1]!), 'utf8')
    expect(parses).toContain('<h1>test/app.test.ts &gt; app &gt; parses &lt;json&gt;</h1>')
    const into = await heapmark('flamegraph', join(dir, 'captures'), '-o', join(dir, 'pages'))
    expect(into.exitCode, into.stderr).toBe(0)
    expect((await readdir(join(dir, 'pages'))).sort()).toEqual(pages)
  })
})

describe('errors and exit codes', () => {
  it('exits 1 naming the path for a missing file, a non-JSON file and JSON that is not a profile', async () => {
    const notJson = join(dir, 'notjson.heapprofile')
    const notProfile = join(dir, 'report.json')
    await writeFile(notJson, 'this is not json')
    await writeFile(notProfile, JSON.stringify({ version: 1, tests: [] }))
    const cases: Array<[string, string]> = [
      [join(dir, 'missing.heapprofile'), 'does not exist'],
      [notJson, 'it is not JSON'],
      [notProfile, 'not a heap profile'],
    ]
    for (const [file, why] of cases) {
      for (const command of ['stats', 'flamegraph']) {
        const result = await heapmark(command, file)
        expect(result.exitCode, `${command} ${file}`).toBe(1)
        expect(result.stderr).toContain(`heapmark ${command}: `)
        expect(result.stderr).toContain(JSON.stringify(file))
        expect(result.stderr).toContain(why)
      }
    }
  })

  it('exits 1 for an unknown format, listing the accepted ones', async () => {
    const result = await heapmark('transform', heapmarkCapture, '--format', 'speedscop')
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Unknown format "speedscop": expected one of speedscope, pprof')
  })

  it('exits 2 with usage for an unknown flag, a missing capture argument and an unknown command', async () => {
    const badFlag = await heapmark('stats', heapmarkCapture, '--bogus')
    expect(badFlag.exitCode).toBe(2)
    expect(badFlag.stderr).toContain("Unknown option '--bogus'")
    expect(badFlag.stderr).toContain('Usage: heapmark stats')
    const missing = await heapmark('tree')
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('missing the capture file or directory')
    expect((await heapmark('transform', heapmarkCapture)).exitCode).toBe(2)
    expect((await heapmark('flamegrap', heapmarkCapture)).exitCode).toBe(2)
  })

  it('prints help with exit 0 and lists the commands', async () => {
    const help = await heapmark('table', '--help')
    expect(help.exitCode).toBe(0)
    expect(help.stdout).toContain('Usage: heapmark table <capture-file-or-dir>')
    const top = await heapmark('--help')
    for (const command of ['flamegraph', 'stats', 'summary', 'table', 'tree', 'transform']) expect(top.stdout).toContain(`  ${command} `)
  })
})

describe('captures from a real Vitest run (binPath)', () => {
  it('every report command reads them, with test names, peaks and mapped source lines', async () => {
    const fixture = await runFixture({
      'vitest.config.ts': config(),
      'src/grow.ts': 'export function grow(mib: number): number[] {\n  return new Array((mib * 1024 * 1024) / 8).fill(0)\n}\n',
      'grow.test.ts': `import { expect, test } from 'vitest'\nimport { grow } from './src/grow'\ntest('keeps 16 MiB', () => { expect(grow(16).length).toBeGreaterThan(0) })\ntest('keeps <4> MiB', () => { expect(grow(4).length).toBeGreaterThan(0) })\n`,
    }, ['run', '--bin-path', 'caps', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    expect(fixture.exitCode, fixture.output).toBe(0)
    const caps = join(fixture.dir, 'caps')
    const stats = JSON.parse((await heapmark('stats', caps, '--json')).stdout) as Array<{ name: string; peakBytes: number; topBySize: Array<{ functionName: string; location: string }> }>
    const big = stats.find((entry) => entry.name === 'grow.test.ts > keeps 16 MiB')!
    expect(big.peakBytes / (1 << 20)).toBeGreaterThan(15)
    expect(big.topBySize[0]).toMatchObject({ functionName: 'grow', location: 'src/grow.ts:1' })
    expect(stats.map((entry) => entry.name)).toContain('grow.test.ts > keeps <4> MiB')
    const tree = await heapmark('tree', caps)
    expect(tree.exitCode, tree.stderr).toBe(0)
    expect(tree.stdout).toMatch(/MiB .*grow src\/grow\.ts:1 own/)
    for (const args of [['flamegraph'], ['transform', '--format', 'pprof'], ['transform', '--format', 'speedscope'], ['summary'], ['table']]) {
      const result = await heapmark(args[0]!, caps, ...args.slice(1))
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    const page = (await readdir(caps)).find((name) => name.startsWith('heapmark-flamegraph-') && name.includes('16-MiB'))!
    expect(await readFile(join(caps, page), 'utf8')).toContain('<h1>grow.test.ts &gt; keeps 16 MiB</h1>')
  })
})

describe('the live peak in capture reporters', () => {
  it('stats (text and JSON) and flamegraph show the live peak beside the peak, with its kind and a live limit', async () => {
    const churn = `const MiB = 1024 * 1024
function churn() { const ring = new Array(1000); for (let i = 0; i < (200 * MiB) / 40; i++) ring[i % 1000] = { a: i, b: i }; return ring.length }`
    const fixture = await runFixture({
      'vitest.config.ts': config(),
      'churn.test.ts': `import { expect, test } from 'vitest'\n${churn}\ntest('churn holding 8 MiB', () => { const held = new Array(MiB).fill(0); expect(churn()).toBe(1000); expect(held.length).toBe(MiB) })\n`,
    }, ['run', '--bin-path', 'caps', '--live-peak', '--limit', '64 MB live', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark', timeoutMs: 120_000 })
    expect(fixture.exitCode, fixture.output).toBe(0)
    const caps = join(fixture.dir, 'caps')
    const [stats] = JSON.parse((await heapmark('stats', caps, '--json')).stdout) as Array<{ peakBytes: number; livePeakBytes: number; livePeakKind: string; limit: { measure?: string } }>
    // Precise mode reads this churn at 8.05-8.20 MiB on both legs (docs/measuring.md): 8 ± 1.
    expect(stats).toMatchObject({ livePeakKind: 'estimate', limit: { spec: '64 MB', measure: 'live', exceeded: false } })
    expect(Math.abs(stats!.livePeakBytes / (1 << 20) - 8)).toBeLessThanOrEqual(1)
    const text = await heapmark('stats', caps)
    expect(text.stdout).toMatch(/Peak memory: \d+\.\d MiB \(heap .*\)\n\s+Live peak: [78]\.\d MiB \(precise mode; the rest of the peak was garbage not yet collected\)\n\s+Memory limit: 64 MB \(64\.0 MiB\) on the live peak: ok/)
    expect((await heapmark('flamegraph', caps)).exitCode).toBe(0)
    const page = (await readdir(caps)).find((name) => name.startsWith('heapmark-flamegraph-'))!
    const html = await readFile(join(caps, page), 'utf8')
    expect(html).toMatch(/Live peak<\/span>\s*<span[^>]*>[78]\.\d MiB \(precise estimate\)/)
    expect(html).toMatch(/Memory limit<\/span>\s*<span[^>]*>64 MB \(live peak\): ok/)
  }, 150_000)
})

describe.skipIf(!existsSync(CHROMIUM))(`flamegraph in a browser (${CHROMIUM}; skipped when absent: apt-get install -y chromium)`, () => {
  const chromium = (args: string[]) => run(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'chromium-profile')}`, ...args,
  ], { timeout: 90_000 })

  it('draws frames from the real profile once its script ran', async () => {
    const page = join(dir, 'real.html')
    expect((await heapmark('flamegraph', realProfile, '-o', page)).exitCode).toBe(0)
    const dom = await chromium(['--dump-dom', `file://${page}`])
    expect(dom.exitCode, dom.stderr).toBe(0)
    // The frames only exist after the page script ran: the HTML file itself has an empty #chart.
    expect(await readFile(page, 'utf8')).not.toContain('class="frame')
    expect((dom.stdout.match(/class="frame /g) ?? []).length).toBeGreaterThan(5)
    expect(dom.stdout).toMatch(/class="frame user"[^>]*>(buildRows|bigArray|makeRow)/)
    expect(dom.stdout).toMatch(/class="frame root"[^>]*>all allocations · \d/)
  })

  it('takes a screenshot of a heapmark capture', async () => {
    const page = join(dir, 'screenshot.html')
    expect((await heapmark('flamegraph', heapmarkCapture, '-o', page)).exitCode).toBe(0)
    const png = join(dir, 'flamegraph.png')
    const shot = await chromium([`--screenshot=${png}`, '--window-size=1280,800', `file://${page}`])
    expect(shot.exitCode, shot.stderr).toBe(0)
    expect((await stat(png)).size).toBeGreaterThan(10_000)
  })
})
