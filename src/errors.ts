/**
 * One error family for everything heapmark throws. Codes are a closed union so callers can
 * `switch` on them; the brand makes `isHeapmarkError` work across duplicate installs (the
 * Vitest config and a test file may load two copies of the package).
 */
export type HeapmarkErrorCode =
  | 'HEAPMARK_INVALID_SIZE'
  | 'HEAPMARK_INVALID_OPTION'
  | 'HEAPMARK_UNKNOWN_OPTION'
  | 'HEAPMARK_MEMORY_LIMIT'
  | 'HEAPMARK_LEAK_LIMIT'
  /** --fail-on-increase: a test's peak grew past the tolerance over its history. */
  | 'HEAPMARK_MEMORY_INCREASE'
  | 'HEAPMARK_LIMIT_MISUSE'
  | 'HEAPMARK_OUTPUT'
  | 'HEAPMARK_INTERNAL'
  | 'HEAPMARK_CAPTURE_NOT_FOUND'
  | 'HEAPMARK_CAPTURE_INVALID'
  | 'HEAPMARK_CAPTURE_VERSION'
  | 'HEAPMARK_OUTPUT_EXISTS'
  /** A JSON report given to compare/merge is missing, not a report, or of another version. */
  | 'HEAPMARK_REPORT_NOT_FOUND'
  | 'HEAPMARK_REPORT_INVALID'
  | 'HEAPMARK_REPORT_VERSION'
  | 'HEAPMARK_UNKNOWN_FORMAT'
  /** Another run held the history file's lock for longer than heapmark waits (updateHistory). */
  | 'HEAPMARK_HISTORY_LOCKED'
  /** The Jest test environment heapmark wraps cannot be found, or is not an environment class. */
  | 'HEAPMARK_JEST_ENVIRONMENT'
  /** heapmark is on but cannot reach some Vitest projects of the run: the run stops before any test. */
  | 'HEAPMARK_UNREACHABLE_PROJECTS'
  /** `heapmark run -- jest`: the project's Jest config cannot be read (an environment or runner that cannot be found, say), or uses a runner heapmark cannot measure. */
  | 'HEAPMARK_JEST_CONFIG'
  /** The command line itself is wrong (unknown flag, missing argument): the CLI exits 2. */
  | 'HEAPMARK_CLI_USAGE'

const BRAND = Symbol.for('heapmark.error')

export class HeapmarkError extends Error {
  readonly code: HeapmarkErrorCode
  readonly [BRAND] = true

  constructor(code: HeapmarkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'HeapmarkError'
  }
}

/** A test went over its memory limit. `details` carries the stacks responsible. */
export class MemoryLimitError extends HeapmarkError {
  constructor(summary: string, details: string) {
    super('HEAPMARK_MEMORY_LIMIT', details ? `${summary}\n\n${details}` : summary)
    this.name = 'MemoryLimitError'
    // The code frame Vitest would print points into heapmark, which helps nobody:
    // the message already says what happened and where the memory came from.
    this.stack = `${this.name}: ${this.message}`
  }
}

/** A test left more memory alive than its leak limit allows. */
export class LeakLimitError extends HeapmarkError {
  constructor(message: string) {
    super('HEAPMARK_LEAK_LIMIT', message)
    this.name = 'LeakLimitError'
    this.stack = `${this.name}: ${this.message}`
  }
}

/** A test's peak grew beyond the tolerance compared with the last run where it passed. */
export class MemoryIncreaseError extends HeapmarkError {
  constructor(summary: string, details: string) {
    super('HEAPMARK_MEMORY_INCREASE', `${summary}\n\n${details}`)
    this.name = 'MemoryIncreaseError'
    this.stack = `${this.name}: ${this.message}`
  }
}

export function isHeapmarkError(value: unknown): value is HeapmarkError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}
