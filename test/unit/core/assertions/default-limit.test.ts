import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DefaultLimits, findLimitPragma } from '../../../../src/core/assertions/default-limit.js'
import { checkMemoryLimit } from '../../../../src/core/assertions/limits.js'
import { makeSite } from '../../../helpers/records.js'

const MiB = 1024 * 1024

describe('findLimitPragma', () => {
  it('reads the comment before the first line of code, in the forms Jest and Vitest users write pragmas', () => {
    expect(findLimitPragma('/**\n * @heapmark-limit 64 MB\n */\nimport x from "y"\n')).toEqual({ value: '64 MB', line: 2, misplaced: false })
    expect(findLimitPragma('// @heapmark-limit off\ntest()')).toEqual({ value: 'off', line: 1, misplaced: false })
    expect(findLimitPragma('#!/usr/bin/env node\n\n/* @heapmark-limit 1.5 GiB */ test()')).toEqual({ value: '1.5 GiB', line: 3, misplaced: false })
    expect(findLimitPragma('/** @vitest-environment node\n * @heapmark-limit 8 MB */')).toEqual({ value: '8 MB', line: 2, misplaced: false })
  })

  it('finds none in a file without one, nor in strings that mention it', () => {
    expect(findLimitPragma('import { test } from "vitest"\ntest("x", () => {})\n')).toBeUndefined()
    expect(findLimitPragma('test("x", () => { expect("@heapmark-limit 8 MB").toBeTruthy() })')).toBeUndefined()
  })

  it('flags one after code, where it would otherwise be ignored silently', () => {
    expect(findLimitPragma('import a from "a"\n// @heapmark-limit 8 MB\n')).toEqual({ value: '8 MB', line: 2, misplaced: true })
  })
})

describe('DefaultLimits', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heapmark-default-limit-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text)
    return name
  }
  const runDefault = { spec: '48 MB', bytes: 48 * MiB, from: 'HEAPMARK_LIMIT' }

  it('gives every file the run default, and a file comment wins over it, up, down or off', () => {
    const limits = new DefaultLimits(runDefault, dir)
    expect(limits.forFile(file('plain.test.ts', 'test()'))).toEqual({ limit: { spec: '48 MB', bytes: 48 * MiB, currentThreadOnly: false, origin: 'default', from: 'HEAPMARK_LIMIT' } })
    expect(limits.forFile(file('up.test.ts', '// @heapmark-limit 96 MB\ntest()')).limit).toMatchObject({ bytes: 96 * MiB, origin: 'file', from: '@heapmark-limit at up.test.ts:1' })
    expect(limits.forFile(file('down.test.ts', '// @heapmark-limit 1048576\ntest()')).limit).toMatchObject({ bytes: MiB, origin: 'file' })
    expect(limits.forFile(file('off.test.ts', '/** @heapmark-limit off */\ntest()'))).toEqual({})
    expect(limits.forFile(file('null.test.ts', '// @heapmark-limit null\ntest()'))).toEqual({})
  })

  it('a comment ending in "live" judges the live peak; a live run default stays live', () => {
    const limits = new DefaultLimits({ ...runDefault, measure: 'live' }, dir)
    expect(limits.forFile(file('live-default.test.ts', 'test()')).limit).toMatchObject({ spec: '48 MB', measure: 'live', origin: 'default' })
    expect(limits.forFile(file('live.test.ts', '// @heapmark-limit 96 MB live\ntest()')).limit).toEqual({ spec: '96 MB', bytes: 96 * MiB, currentThreadOnly: false, measure: 'live', origin: 'file', from: '@heapmark-limit at live.test.ts:1' })
    // A file's comment says what it judges itself: "used" (or no word) overrides a live run default.
    expect(limits.forFile(file('used.test.ts', '// @heapmark-limit 96 MB used\ntest()')).limit).not.toHaveProperty('measure')
    expect(limits.forFile(file('plain96.test.ts', '// @heapmark-limit 96 MB\ntest()')).limit).not.toHaveProperty('measure')
  })

  it('applies a file comment with no run default, and nothing to a file that is not on disk', () => {
    const limits = new DefaultLimits(undefined, dir)
    expect(limits.forFile(file('alone.test.ts', '// @heapmark-limit 8 MB\n')).limit?.bytes).toBe(8 * MiB)
    expect(limits.forFile('virtual:missing.test.ts')).toEqual({})
  })

  it('turns a bad or misplaced comment into the error its tests fail with', () => {
    const limits = new DefaultLimits(runDefault, dir)
    expect(limits.forFile(file('bad.test.ts', '// @heapmark-limit 48 MX\n')).error?.message).toBe(
      'Invalid value "48 MX" for @heapmark-limit at bad.test.ts:1: expected a size like "48 MB" or a number of bytes, optionally followed by "live" (judge the live peak) or "used" (the default), or "off"',
    )
    expect(limits.forFile(file('measure.test.ts', '// @heapmark-limit 48 MB alive\n')).error?.message).toMatch(
      /^Invalid value "48 MB alive" for @heapmark-limit at measure\.test\.ts:1: expected .*\(unknown measure "alive": a limit judges "used" \(the used peak, the default\) or "live" \(the live peak\)\)$/,
    )
    expect(limits.forFile(file('late.test.ts', 'import "a"\n// @heapmark-limit 8 MB\n')).error?.message).toContain('@heapmark-limit at late.test.ts:2 comes after')
  })
})

describe('checkMemoryLimit with a default limit', () => {
  const reading = { peakBytes: 60 * MiB, heapPeakBytes: 60 * MiB, externalPeakBytes: 0, allocatedBytes: 64 * MiB }

  it('keeps limitMemory\'s message and says which default it was and where it was set', () => {
    const error = checkMemoryLimit({ spec: '48 MB', bytes: 48 * MiB, currentThreadOnly: false, origin: 'default', from: 'HEAPMARK_LIMIT' }, reading, undefined, 1)!
    expect(error.name).toBe('MemoryLimitError')
    expect(error.code).toBe('HEAPMARK_MEMORY_LIMIT')
    expect(error.message.split('\n')[0]).toBe("Test was limited to 48.0 MiB (48 MB: the run's default limit, from HEAPMARK_LIMIT) but its peak was 60.0 MiB")
    expect(error.message).toContain('Tests without limitMemory get this limit. Give this test its own with limitMemory(), or set its file\'s with a "// @heapmark-limit <size>" (or "<size> live", or "off") comment at the top of the file.')
    const file = checkMemoryLimit({ spec: '8 MB', bytes: 8 * MiB, currentThreadOnly: false, origin: 'file', from: '@heapmark-limit at a.test.ts:1' }, reading, undefined, 1)!
    expect(file.message.split('\n')[0]).toBe("Test was limited to 8.0 MiB (8 MB: this file's limit, from @heapmark-limit at a.test.ts:1) but its peak was 60.0 MiB")
  })

  it('lists the sites above 1% of the peak, then how many smaller ones there were', () => {
    const sites = [makeSite(59 * MiB, [{ functionName: 'build', file: 'src/a.ts', line: 2 }]), makeSite(16 * 1024, [{ functionName: 'expect', file: 'node_modules/chai/index.js', line: 9 }])]
    const error = checkMemoryLimit({ spec: '48 MB', bytes: 48 * MiB, currentThreadOnly: false }, reading, { sites, sampledBytes: 0, allocationCount: 0, histogram: [] }, 1)!
    expect(error.message).toContain('Biggest allocating functions:\n    - build at src/a.ts:2 -> 59.0 MiB\n    … 1 smaller site')
    expect(error.message).not.toContain('Tests without limitMemory')
  })
})
