/**
 * Vitest browser mode in real Chromium (Playwright provider): peaks of known allocations, limitMemory,
 * limitLeaks naming DOM leaks (plain and iteration mode) for a leaky and a clean vanilla component,
 * and a project mixing node and browser tests in one report.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import type { Capture } from '../../src/core/capture/format.js'
import { matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'
import { browserConfig, chromiumBrowser, hasChromium, CHROMIUM } from '../helpers/browser-fixture.js'

/** A dialog component: mount() renders it, the returned function unmounts it. */
const dialog = `const closed: HTMLElement[] = []
const keyListeners: Array<(event: KeyboardEvent) => void> = []
let template: HTMLElement | undefined

function render(): HTMLElement {
  const root = document.createElement('section')
  root.id = 'dialog'
  root.className = 'modal open'
  for (const label of ['ok', 'cancel', 'help']) {
    const button = document.createElement('button')
    button.textContent = label
    root.appendChild(button)
  }
  return root
}

/** Leaky: keeps every closed dialog in a module array and never removes its key listener. */
export function mountLeaky(host: HTMLElement): () => void {
  const root = render()
  host.appendChild(root)
  const onDialogKey = function onDialogKey(event: KeyboardEvent) { if (event.key === 'Escape') root.remove() }
  keyListeners.push(onDialogKey)
  window.addEventListener('keydown', onDialogKey)
  return () => { root.remove(); closed.push(root) }
}

/** What a fix would do: drop the closed dialogs and their listeners. */
export function releaseLeaky(): void {
  closed.length = 0
  for (const listener of keyListeners.splice(0)) window.removeEventListener('keydown', listener)
}

/** Clean: removes its listener, keeps nothing. */
export function mountClean(host: HTMLElement): () => void {
  const root = render()
  host.appendChild(root)
  const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape') root.remove() }
  window.addEventListener('keydown', onKey)
  return () => { root.remove(); window.removeEventListener('keydown', onKey) }
}

/** Builds one detached template the first time, then reuses it: a cache, not a leak. */
export function mountCached(host: HTMLElement): () => void {
  if (!template) {
    template = render()
    template.classList.add('template')
  }
  const root = template.cloneNode(true) as HTMLElement
  host.appendChild(root)
  return () => root.remove()
}
`

const leaks = `import { expect, test } from 'vitest'
import { cdp } from 'vitest/browser'
import { limitLeaks } from 'heapmark/vitest'
import { mountCached, mountClean, mountLeaky, releaseLeaky } from './src/dialog'

test('leaky dialog', limitLeaks('1 MB', () => { mountLeaky(document.body)() }))
test('clean dialog', limitLeaks('1 MB', () => { mountClean(document.body)() }))
test('leaky dialog, mounted 50 times', limitLeaks('1 MB', () => { mountLeaky(document.body)() }, { iterations: 50, warmup: 2 }))
test('clean dialog, mounted 50 times', limitLeaks('1 MB', () => { mountClean(document.body)() }, { iterations: 50, warmup: 2 }))
test('cached template, mounted 50 times', limitLeaks('1 MB', () => { mountCached(document.body)() }, { iterations: 50 }))
// heapmark's own readings must not keep alive what they reported once the app lets go of it.
test('released dialogs are freed', async () => {
  releaseLeaky()
  const session = cdp() as unknown as { send(method: string): Promise<any> }
  await session.send('HeapProfiler.collectGarbage')
  await session.send('DOM.enable')
  const { detachedNodes } = await session.send('DOM.getDetachedDomNodes')
  await session.send('DOM.disable')
  // The cached template stays detached by design; the dialogs the leaky mounts kept must be gone.
  const classes = detachedNodes.map((node: any) => node.treeNode.attributes?.[node.treeNode.attributes.indexOf('class') + 1])
  expect(classes).toContain('modal open template')
  expect(classes).not.toContain('modal open')
})
`

const alloc = `/** 4 Mi small integers in one array: 16 MiB on the JS heap (Chromium compresses pointers to 4 bytes). */
export function fillArray(): number[] {
  return new Array(4 * 1024 * 1024).fill(0)
}
`

const memory = `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
import { fillArray } from './src/alloc'

// 2 Mi doubles in one ArrayBuffer: 16 MiB outside the JS heap.
test('typed array of 16 MiB', () => { const data = new Float64Array(2 * 1024 * 1024); expect(data.length).toBe(2 * 1024 * 1024) })
test('array of 16 MiB', () => { const data = fillArray(); expect(data.length).toBe(4 * 1024 * 1024) })
test('over its limit', limitMemory('8 MB', () => { const data = new Float64Array(2 * 1024 * 1024); expect(data[0]).toBe(0) }))
test('under its limit', limitMemory('64 MB', () => { const data = new Float64Array(2 * 1024 * 1024); expect(data[0]).toBe(0) }))
test('small', () => { expect(document.createElement('p').tagName).toBe('P') })
const kept: Float64Array[] = []
test('keeps 8 MiB', () => { kept.push(new Float64Array(1024 * 1024)) })
`

describe.skipIf(!hasChromium)(`browser mode in Chromium (${matrix.name}; skipped without ${CHROMIUM}: apt-get install -y chromium)`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture(
      {
        'vitest.config.ts': browserConfig("{ json: 'report.json', mostAllocations: 0 }", `{ browser: ${chromiumBrowser()} }`),
        'src/dialog.ts': dialog,
        'src/alloc.ts': alloc,
        'leaks.test.ts': leaks,
        'memory.test.ts': memory,
      },
      ['run', '--bin-path', 'caps', '--', 'vitest', 'run', '--reporter=default'],
      { command: 'heapmark', timeoutMs: 180_000 },
    )
  }, 200_000)

  test('every browser test is measured and named as run in chromium', () => {
    const report = readReport(run)
    expect(report.tests.map((t) => t.name).sort()).toHaveLength(12)
    for (const result of report.tests) expect(result.browser, result.name).toBe('chromium')
  })

  test('peaks of known allocations: 16 MiB in an ArrayBuffer, 16 MiB on the JS heap', () => {
    const report = readReport(run)
    // Tolerance: what Vitest's runner and expect() allocate around the array (measured at 20-45 KiB),
    // and the rest of the page, which can also shrink a little between the two readings (seen: -58 B).
    const typed = report.test('typed array of 16 MiB')
    expect(typed.externalPeakBytes).toBeGreaterThanOrEqual(16 * MiB - 64 * 1024)
    expect(typed.externalPeakBytes).toBeLessThan(16 * MiB + 64 * 1024)
    expect(typed.peakBytes).toBeLessThan(16.5 * MiB)
    const array = report.test('> array of 16 MiB')
    expect(array.heapPeakBytes).toBeGreaterThanOrEqual(16 * MiB - 64 * 1024)
    expect(array.heapPeakBytes).toBeLessThan(16.5 * MiB)
    // The sampling profile's estimate of what was allocated (16 KiB interval) lands near it too.
    expect(array.totalBytes).toBeGreaterThan(15 * MiB)
    expect(array.totalBytes).toBeLessThan(18 * MiB)
    expect(report.test('small').peakBytes).toBeLessThan(1 * MiB)
  })

  test('allocation sites: the page profile, mapped to the TypeScript source through Vite', () => {
    const array = readReport(run).test('> array of 16 MiB')
    expect(array.sampled).toBe(true)
    const [top] = array.sites
    // V8's sampling profile names the allocating function at its first line.
    expect(top?.frames[0]).toMatchObject({ functionName: 'fillArray', file: 'src/alloc.ts', line: 2, kind: 'user' })
    expect(top!.bytes).toBeGreaterThan(15 * MiB)
  })

  test('captures: one .heapprofile per browser test, with mapped frames', () => {
    const names = readdirSync(join(run.dir, 'caps'))
    expect(names).toHaveLength(12)
    const capture = JSON.parse(readFileSync(join(run.dir, 'caps', names.find((n) => n.includes('-array-of-16-MiB') && !n.includes('typed'))!), 'utf8')) as Capture
    expect(capture.heapmark).toMatchObject({ name: 'memory.test.ts > array of 16 MiB', file: 'memory.test.ts' })
    expect(capture.heapmark.peakBytes).toBeGreaterThanOrEqual(16 * MiB - 64 * 1024)
    const frames: Capture['head'][] = []
    const walk = (node: Capture['head']) => { frames.push(node); node.children.forEach(walk) }
    walk(capture.head)
    expect(frames.find((node) => node.callFrame.functionName === 'fillArray')?.callFrame.url).toMatch(/src\/alloc\.ts$/)
  })

  test('retained memory per test: what the test kept alive after a forced GC', () => {
    const report = readReport(run)
    const keeper = report.test('keeps 8 MiB').retained
    expect(keeper?.exact).toBe(true)
    // Tolerance: the rest of the page (Vitest's per-test bookkeeping) moves by a few KiB either way between the two GCs.
    expect(keeper?.bytes).toBeGreaterThan(8 * MiB - 256 * 1024)
    expect(keeper?.bytes).toBeLessThan(8 * MiB + 256 * 1024)
    expect(Math.abs(report.test('typed array of 16 MiB').retained?.bytes ?? Infinity)).toBeLessThan(256 * 1024)
  })

  test('limitMemory fails the test over its limit, with the page peak', () => {
    expect(run.exitCode).toBe(1)
    expect(run.output).toMatch(/memory\.test\.ts > over its limit/)
    expect(run.output).toMatch(/MemoryLimitError: Test was limited to 8\.0 MiB \(8 MB\) but its peak was 16\.\d MiB/)
    const report = readReport(run)
    expect(report.test('over its limit').limit).toMatchObject({ spec: '8 MB', exceeded: true })
    expect(report.test('under its limit').limit).toMatchObject({ spec: '64 MB', exceeded: false })
    expect(report.test('under its limit').state).toBe('passed')
  })

  test('the leaky dialog fails, naming its detached tree and its window listener', () => {
    const report = readReport(run)
    const leaky = report.test('> leaky dialog')
    expect(leaky.state).toBe('failed')
    expect(leaky.leaks?.dom?.detached).toEqual([{ root: 'section#dialog.modal.open', trees: 1, nodes: 7 }])
    expect(leaky.leaks?.dom?.listeners).toEqual([{ target: 'window', type: 'keydown', useCapture: false, handler: 'onDialogKey', count: 1 }])
    expect(run.output).toContain('7 detached DOM node(s) in 1 tree(s) rooted at <section#dialog.modal.open>')
    expect(run.output).toContain("1 'keydown' listener(s) left on window: onDialogKey")
  })

  test('iteration mode: the leaky dialog leaves its tree and listener per mount', () => {
    const report = readReport(run)
    const leaky = report.test('leaky dialog, mounted 50 times')
    expect(leaky.state).toBe('failed')
    expect(leaky.leaks).toMatchObject({ iterations: 50, warmup: 2, exceeded: true })
    // 3 buttons with a text node each under the section: 7 nodes, every iteration.
    expect(leaky.leaks?.dom?.detached).toEqual([{ root: 'section#dialog.modal.open', trees: 1, nodes: 7 }])
    expect(leaky.leaks?.dom?.listeners).toEqual([{ target: 'window', type: 'keydown', useCapture: false, handler: 'onDialogKey', count: 1 }])
    expect(run.output).toContain('7 detached DOM node(s) per iteration in 1 tree(s) rooted at <section#dialog.modal.open>')
  })

  test('what the leaky dialog kept is freed once released: reading it did not keep it alive', () => {
    expect(readReport(run).test('released dialogs are freed').state).toBe('passed')
  })

  test('the clean dialog and a template cached once pass, plain and in iteration mode', () => {
    const report = readReport(run)
    for (const name of ['> clean dialog', 'clean dialog, mounted 50 times', 'cached template, mounted 50 times']) {
      const result = report.test(name)
      expect(result.state, name).toBe('passed')
      expect(result.leaks, name).toMatchObject({ exceeded: false, dom: { detached: [], listeners: [] } })
    }
  })

  test('with heapmark off, the page runs the tests as plain tests: nothing measured, nothing fails', async () => {
    const off = await run.rerun(['run', '--reporter=default'], { command: 'vitest', env: { HEAPMARK: '0' }, timeoutMs: 180_000 })
    expect(off.exitCode, off.output).toBe(0)
    expect(off.output).toMatch(/Tests +12 passed/)
    expect(off.output).not.toContain('heapmark:')
    expect(off.output).not.toContain('LimitError')
  }, 200_000)

  test('the text report shows the DOM leaks', () => {
    expect(run.output).toContain('Leak limit: 1 MB of page JS heap growth per iteration, no DOM leaks (50 iterations, 2 warm-up): EXCEEDED')
    expect(run.output).toContain('<section#dialog.modal.open>: 7 detached DOM node(s) per iteration in 1 tree(s)')
    expect(run.output).toContain("window 'keydown' listener onDialogKey: 1 left per iteration")
    expect(run.output).toMatch(/Peak memory: 16\.\d MiB \(chromium page: JS heap/)
    expect(run.output).toContain("window 'keydown' listener onDialogKey: 1 left\n")
  })
})

describe.skipIf(!hasChromium)(`a project mixing node and browser tests (${matrix.name})`, () => {
  test('both kinds are measured into one report; limits work on each side', async () => {
    const node = `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark/vitest'
test('node: 8 MiB buffer', () => { const data = Buffer.alloc(8 * 1024 * 1024, 1); expect(data.length).toBe(8 * 1024 * 1024) })
test('node: over its limit', limitMemory('4 MB', () => { const data = Buffer.alloc(8 * 1024 * 1024, 1); expect(data[0]).toBe(1) }))
`
    const page = `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark/vitest'
test('page: 8 MiB typed array', () => { const data = new Float64Array(1024 * 1024); expect(data.length).toBe(1024 * 1024) })
test('page: over its limit', limitMemory('4 MB', () => { const data = new Float64Array(1024 * 1024); expect(data[0]).toBe(0) }))
`
    const projects = `{ projects: [
      { extends: true, test: { name: 'unit', include: ['node/**/*.test.ts'] } },
      { extends: true, test: { name: 'ui', include: ['ui/**/*.test.ts'], browser: ${chromiumBrowser()} } },
    ] }`
    const run = await runFixture(
      { 'vitest.config.ts': browserConfig("{ json: 'report.json' }", projects), 'node/a.test.ts': node, 'ui/a.test.ts': page },
      ['run', '--reporter=default'],
      { env: { HEAPMARK: '1' }, timeoutMs: 180_000 },
    )
    const report = readReport(run)
    expect(report.tests).toHaveLength(4)
    const inNode = report.test('node: 8 MiB buffer')
    expect(inNode.browser).toBeUndefined()
    // Node's accuracy promise (README "What the peak means"): within max(5%, 1 MiB).
    expect(inNode.peakBytes).toBeGreaterThanOrEqual(7 * MiB)
    expect(inNode.peakBytes).toBeLessThanOrEqual(9 * MiB)
    const inPage = report.test('page: 8 MiB typed array')
    expect(inPage.browser).toBe('chromium')
    expect(inPage.peakBytes).toBeGreaterThanOrEqual(8 * MiB)
    expect(inPage.peakBytes).toBeLessThan(8.5 * MiB)
    // heapmark's browser command reaches inline projects too: sites were read.
    expect(inPage.sampled).toBe(true)
    expect(run.output).not.toContain('could not be read')
    expect(report.test('node: over its limit').state).toBe('failed')
    expect(report.test('page: over its limit').state).toBe('failed')
    expect(run.output.match(/MemoryLimitError: Test was limited to 4\.0 MiB/g)).toHaveLength(2)
    expect(run.exitCode).toBe(1)
  }, 200_000)
})
