/**
 * What heapmark's browser setup file shares with the limit wrappers in a browser test body. Kept
 * on a `Symbol.for` key of the test frame's global: the setup file and the test file may load
 * different copies of heapmark (a project with two installs), but they share the frame.
 */
import type { LeakCheckResult } from '../../core/report/model.js'
import type { DomReading } from './dom-leaks.js'

/** The test whose body runs, as the limit wrappers see it. */
export interface BrowserTest {
  limit?: { spec: string; bytes: number }
  leakCheckStarted?: boolean
  leakCheck?: LeakCheckResult
}

export interface BrowserState {
  /** heapmark measures this page. */
  enabled: boolean
  /** The running test, when exactly one runs. */
  current: BrowserTest | undefined
  running: number
  /** Reads the page's DOM and live heap after a forced GC (limitLeaks). */
  readDom: (() => Promise<DomReading>) | undefined
}

const KEY = Symbol.for('heapmark.browser-state')

export function getBrowserState(): BrowserState {
  const holder = globalThis as unknown as Record<symbol, BrowserState | undefined>
  return (holder[KEY] ??= { enabled: false, current: undefined, running: 0, readDom: undefined })
}

/** The browser command (run in Vitest's process) that turns a test's profile into allocation sites. */
export const ATTRIBUTE_COMMAND = '__heapmark_attribute'
