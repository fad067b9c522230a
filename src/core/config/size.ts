import { HeapmarkError } from '../../errors.js'

/**
 * Memory sizes as people write them ("24 MB", "1.5 GiB") and as heapmark prints them.
 * Like pytest-memray, decimal-looking units use 1024 multipliers: a limit written as "24 MB"
 * means 24 MiB. Both spellings are accepted so nobody has to remember which one is "right".
 */

const UNIT_EXPONENTS: Readonly<Record<string, number>> = {
  b: 0,
  kb: 1, kib: 1,
  mb: 2, mib: 2,
  gb: 3, gib: 3,
  tb: 4, tib: 4,
  pb: 5, pib: 5,
}

const PRINTED_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** Number (integer or decimal, ".5" allowed), optional whitespace, unit letters; nothing else. */
const SIZE_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)$/i

const ACCEPTED_FORMAT =
  'expected a positive number followed by a unit, like "24 MB" or "1.5 GiB" ' +
  '(units: B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB; 1 KB = 1024 B)'

/**
 * Parses a memory size into whole bytes. Strings need a unit; JS numbers are taken as bytes.
 * `what` names the value in the error ("limitMemory limit"), so the user knows which one was bad.
 */
export function parseSize(input: string | number, what?: string): number {
  const bytes = typeof input === 'number' ? input : parseSizeString(input, what)
  if (!Number.isFinite(bytes) || bytes <= 0) throw invalidSize(input, what, ACCEPTED_FORMAT)
  const rounded = Math.round(bytes)
  // "0.1 B" is positive but rounds to nothing, which as a limit or interval means nothing.
  if (rounded < 1) throw invalidSize(input, what, 'the size must be at least 1 B')
  if (!Number.isSafeInteger(rounded)) throw invalidSize(input, what, 'the size is too large to count in bytes')
  return rounded
}

function parseSizeString(input: unknown, what: string | undefined): number {
  if (typeof input !== 'string') throw invalidSize(input, what, ACCEPTED_FORMAT)
  const match = SIZE_PATTERN.exec(input.trim())
  const exponent = match ? UNIT_EXPONENTS[match[2]!.toLowerCase()] : undefined
  if (!match || exponent === undefined) throw invalidSize(input, what, ACCEPTED_FORMAT)
  return Number(match[1]) * 1024 ** exponent
}

function invalidSize(input: unknown, what: string | undefined, expected: string): HeapmarkError {
  const prefix = what ? `${what}: ` : ''
  return new HeapmarkError('HEAPMARK_INVALID_SIZE', `${prefix}Invalid memory size ${describeValue(input)}: ${expected}`)
}

/** JSON.stringify for the usual inputs, with a fallback for values JSON cannot show. */
function describeValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  const json = typeof value === 'bigint' ? undefined : JSON.stringify(value)
  return json ?? `(${typeof value})`
}

/**
 * Binary units with one decimal ("117.2 KiB"); plain integer bytes below 1 KiB ("512 B").
 * Negative values keep their sign, so a shrinking heap reads as "-1.0 MiB".
 */
export function formatSize(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  if (value < 1024) return `${sign}${Math.round(value)} B`
  let unit = 0
  // Promote before printing so 1048575 B reads "1.0 MiB", not "1024.0 KiB".
  while (unit < PRINTED_UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024
    unit++
  }
  return `${sign}${value.toFixed(1)} ${PRINTED_UNITS[unit]}`
}
