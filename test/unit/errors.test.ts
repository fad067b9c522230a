import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HeapmarkError, isHeapmarkError, MemoryLimitError, type HeapmarkErrorCode } from '../../src/errors.js'
import { resolveOptions, type HeapmarkOptions } from '../../src/core/config/options.js'
import { mergeHistograms } from '../../src/core/attribution/histogram.js'
import { buildReport } from '../../src/core/report/build.js'
import { writeJsonReport } from '../../src/core/report/json.js'
import { parseSize } from '../../src/core/config/size.js'
import { loadPackage } from '../../src/jest/base-environment.js'
import { environmentClassOf } from '../../src/jest/with-heapmark.js'

interface ErrorCase {
  what: string
  code: HeapmarkErrorCode
  name: string
  /** Text the message must contain: the bad input, quoted as the user would recognise it. */
  contains: string
  trigger: () => unknown
}

const emptyReport = buildReport([], { heapmarkVersion: '0', runner: { name: 'vitest', version: '0' }, node: 'v20', samplingInterval: 16384 })

const cases: ErrorCase[] = [
  { what: 'bad size string', code: 'HEAPMARK_INVALID_SIZE', name: 'HeapmarkError', contains: '"24 XB"', trigger: () => parseSize('24 XB') },
  { what: 'negative size', code: 'HEAPMARK_INVALID_SIZE', name: 'HeapmarkError', contains: '"-1 MB"', trigger: () => parseSize('-1 MB') },
  { what: 'bad env value', code: 'HEAPMARK_INVALID_OPTION', name: 'HeapmarkError', contains: 'HEAPMARK_STACKS', trigger: () => resolveOptions({}, { HEAPMARK_STACKS: 'two' }) },
  { what: 'bad env value (input)', code: 'HEAPMARK_INVALID_OPTION', name: 'HeapmarkError', contains: '"two"', trigger: () => resolveOptions({}, { HEAPMARK_STACKS: 'two' }) },
  { what: 'bad config value', code: 'HEAPMARK_INVALID_OPTION', name: 'HeapmarkError', contains: '"stacks"', trigger: () => resolveOptions({ stacks: -1 }, {}) },
  { what: 'unknown config key', code: 'HEAPMARK_UNKNOWN_OPTION', name: 'HeapmarkError', contains: '"stakcs"', trigger: () => resolveOptions({ stakcs: 1 } as HeapmarkOptions, {}) },
  { what: 'foreign histogram bound', code: 'HEAPMARK_INTERNAL', name: 'HeapmarkError', contains: '100', trigger: () => mergeHistograms([{ upTo: 100, count: 1, bytes: 1 }], []) },
  { what: 'memory limit', code: 'HEAPMARK_MEMORY_LIMIT', name: 'MemoryLimitError', contains: '24 MB', trigger: () => { throw new MemoryLimitError('Test was limited to 24 MB but allocated 30.0 MiB', 'stacks…') } },
  { what: 'not a Jest environment', code: 'HEAPMARK_JEST_ENVIRONMENT', name: 'HeapmarkError', contains: 'exports "setup"', trigger: () => environmentClassOf({ setup: 1 }, './my-env.js') },
  { what: 'Jest environment package missing', code: 'HEAPMARK_JEST_ENVIRONMENT', name: 'HeapmarkError', contains: '"jest-environment-nowhere"', trigger: () => loadPackage('jest-environment-nowhere', tmpdir()) },
  { what: 'limit misuse', code: 'HEAPMARK_LIMIT_MISUSE', name: 'HeapmarkError', contains: 'limitMemory', trigger: () => { throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', 'limitMemory called outside a test') } },
]

function caught(trigger: () => unknown): unknown {
  try {
    trigger()
  } catch (error) {
    return error
  }
  throw new Error('expected the trigger to throw')
}

describe('heapmark errors', () => {
  it.each(cases)('$what: $code', ({ code, name, contains, trigger }) => {
    const error = caught(trigger)
    expect(error).toBeInstanceOf(HeapmarkError)
    expect(isHeapmarkError(error)).toBe(true)
    expect(error).toMatchObject({ code, name })
    expect((error as Error).message).toContain(contains)
  })

  it('HEAPMARK_OUTPUT names the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heapmark-errors-'))
    try {
      await writeFile(join(dir, 'file'), '')
      const path = join(dir, 'file', 'report.json')
      const error = await writeJsonReport(path, emptyReport).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'HEAPMARK_OUTPUT', name: 'HeapmarkError' })
      expect((error as Error).message).toContain(JSON.stringify(path))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('recognises heapmark errors by brand, not by class identity', () => {
    // What a second copy of the package would throw: same brand, different class.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('heapmark.error')]: true, code: 'HEAPMARK_INTERNAL' })
    expect(isHeapmarkError(foreign)).toBe(true)
    expect(isHeapmarkError(new Error('x'))).toBe(false)
    expect(isHeapmarkError(null)).toBe(false)
    expect(isHeapmarkError('HEAPMARK_INTERNAL')).toBe(false)
  })

  it('keeps the cause', () => {
    const cause = new Error('disk full')
    expect(new HeapmarkError('HEAPMARK_OUTPUT', 'x', { cause }).cause).toBe(cause)
  })
})
