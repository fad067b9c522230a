import { describe, expect, it } from 'vitest'
import { HeapmarkError } from '../../../../src/errors.js'
import { formatSize, parseSize } from '../../../../src/core/config/size.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

describe('parseSize', () => {
  it.each([
    ['24 MB', 24 * MiB],
    ['24MB', 24 * MiB],
    ['24  mb', 24 * MiB],
    ['24 MiB', 24 * MiB],
    ['1.5 GiB', 1.5 * GiB],
    ['1.5 gb', 1.5 * GiB],
    ['.5 KB', 512],
    ['512 B', 512],
    ['1 b', 1],
    ['2 KiB', 2 * KiB],
    ['1 TB', 1024 ** 4],
    ['1 TiB', 1024 ** 4],
    ['1 PB', 1024 ** 5],
    ['1 pib', 1024 ** 5],
    ['  3 KB  ', 3 * KiB],
    ['1.0001 KB', 1024], // rounds to whole bytes
  ])('parses %j as %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes)
  })

  it('takes JS numbers as bytes, rounded', () => {
    expect(parseSize(4096)).toBe(4096)
    expect(parseSize(10.6)).toBe(11)
  })

  it.each([
    '24', // missing unit
    '24 XB', // unknown unit
    '-1 MB', // negative
    '0 MB', // zero
    '0.1 B', // rounds to zero bytes
    '24 MBs', // trailing junk
    '24 MB foo',
    'MB',
    '',
    '   ',
    '1e3 MB',
    '1,5 MB',
    '1. MB',
    '99999999999999999999 PB', // beyond safe integers
  ])('rejects %j', (input) => {
    expect(() => parseSize(input)).toThrowError(HeapmarkError)
    try {
      parseSize(input)
    } catch (error) {
      expect((error as HeapmarkError).code).toBe('HEAPMARK_INVALID_SIZE')
      expect((error as Error).message).toContain(JSON.stringify(input))
    }
  })

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (input) => {
    expect(() => parseSize(input)).toThrowError(/Invalid memory size/)
  })

  it('rejects values that are neither strings nor numbers', () => {
    expect(() => parseSize(null as unknown as string)).toThrowError('Invalid memory size null')
    expect(() => parseSize({} as unknown as string)).toThrowError('Invalid memory size {}')
  })

  it('shows the accepted format and the offending value in the message', () => {
    expect(() => parseSize('24 XB')).toThrowError(
      'Invalid memory size "24 XB": expected a positive number followed by a unit, like "24 MB" or "1.5 GiB" ' +
        '(units: B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB; 1 KB = 1024 B)',
    )
  })

  it('names the value when told what it is', () => {
    expect(() => parseSize('lots', 'limitMemory limit')).toThrowError(/^limitMemory limit: Invalid memory size "lots"/)
  })
})

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [120_000, '117.2 KiB'],
    [24 * MiB, '24.0 MiB'],
    [1.5 * GiB, '1.5 GiB'],
    [MiB - 1, '1.0 MiB'], // promoted instead of "1024.0 KiB"
    [1024 ** 4, '1.0 TiB'],
    [3 * 1024 ** 5, '3.0 PiB'],
    [2048 * 1024 ** 5, '2048.0 PiB'], // no unit above PiB
    [-MiB, '-1.0 MiB'],
    [-512, '-512 B'],
  ])('formats %d as %j', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text)
  })

  it('round-trips through parseSize', () => {
    expect(parseSize(formatSize(24 * MiB))).toBe(24 * MiB)
  })
})
