/**
 * The timeline page's words and numbers: how a test's retained and live memory read, what the
 * tooltip says about a point, axis steps and labels. No DOM.
 */
import type { TimelineTest, TimelineWorker } from '../page-data.js'
import { formatSize, type TooltipLine } from './page.js'
import { data, files, MiB, tests, type WorkerView } from './timeline-data.js'

export const STATES: Record<string, string> = { passed: 'passed', failed: 'failed', skipped: 'skipped', unknown: 'unknown', running: 'running when the worker died', lost: 'results lost (from the worker journal)' }

export function isHot(test: TimelineTest): boolean {
  return test.r !== null && test.r >= data.hot
}

export function testAt(w: TimelineWorker, i: number): TimelineTest {
  return tests[w.t[i]!]!
}

export function retainedText(test: TimelineTest): string {
  if (test.r === null) {
    if (test.s === 'running') return 'n/a (still running)'
    if (test.s === 'lost') return 'unknown'
    return 'under ' + formatSize(data.hot) + ' (no full GC was needed)'
  }
  return (test.r >= 0 ? '+' : '') + formatSize(test.r) + (test.x ? ' (exact)' : ' (at least)')
}

export function liveText(w: TimelineWorker, i: number): string {
  const bytes = w.b[i]
  if (bytes === null || bytes === undefined) return 'not recorded (the worker died before its file reported)'
  return w.e[i] ? formatSize(bytes) + ' (exact: right after a full GC)' : 'at most ' + formatSize(bytes) + ' (upper bound: garbage included)'
}

export function isRunning(w: TimelineWorker, i: number): boolean {
  return !!w.incident && w.incident.running !== null && i === w.b.length - 1
}

/** "…end/of/a/long/path.ts" within roughly maxWidth pixels of 11px monospace text. */
export function fitText(text: string, maxWidth: number, fromEnd: boolean): string {
  const chars = Math.floor(maxWidth / 6.7)
  if (text.length <= chars) return text
  if (chars < 4) return ''
  return fromEnd ? '…' + text.slice(text.length - chars + 1) : text.slice(0, chars - 1) + '…'
}

export function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count)
  const power = Math.pow(10, Math.floor(Math.log10(raw)))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= raw) return step * power
  return 10 * power
}

export function formatMiB(bytes: number, tick: number): string {
  const mib = bytes / MiB
  const step = tick / MiB
  return mib.toFixed(step === Math.round(step) ? 0 : step * 10 === Math.round(step * 10) ? 1 : 2)
}

/** The tooltip of point i: its test (or file start), live, retained and peak memory. */
export function describePoint(view: WorkerView, i: number): TooltipLine[] {
  const w = view.w
  if (w.t[i]! < 0) {
    return [['fn', 'Start of ' + files[w.f[i]!]], ['', 'Live memory: ' + liveText(w, i)], ['hint', 'The level the file’s first test starts from']]
  }
  const test = testAt(w, i)
  const lines: TooltipLine[] = [['fn', test.n], ['where', files[test.f]!]]
  if (isRunning(w, i)) lines.push(['', 'Running when the worker died; live memory when it started: at most ' + formatSize(w.b[i]!)])
  else lines.push(['', 'Live memory after it: ' + liveText(w, i)])
  lines.push(['', 'Retained: ' + retainedText(test)])
  if (test.p !== null) lines.push(['', 'Peak: ' + formatSize(test.p)])
  lines.push(['hint', 'Test ' + view.ordinal[i] + ' of ' + view.tested + ' in this worker · click for its allocation sites'])
  return lines
}
