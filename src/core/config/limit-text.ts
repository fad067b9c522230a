import { HeapmarkError } from '../../errors.js'
import { parseSize } from './size.js'

/** Which peak a limit, --fail-on-increase or `heapmark compare` judges: the used peak, or the live peak (see live-peak.ts). */
export type PeakMeasure = 'used' | 'live'

export const PEAK_MEASURES: readonly PeakMeasure[] = ['used', 'live']

/** What a limit written as text says: its size (as written), its bytes, and whether it judges the live peak. */
export interface LimitText {
  spec: string
  bytes: number
  measure?: 'live'
}

/** The words a limit's text may end with, in error messages. */
export const LIMIT_MEASURE_HINT = 'optionally followed by "live" (judge the live peak) or "used" (the default)'

const UNKNOWN_MEASURE = 'unknown measure'

/**
 * For the message about a limit text parseLimitText refused: its measure-word problem in
 * parentheses, or '' when the size was what failed (the caller's "expected …" already says it).
 */
export function measureProblem(error: unknown): string {
  return error instanceof HeapmarkError && error.message.startsWith(UNKNOWN_MEASURE) ? ` (${error.message})` : ''
}

/**
 * A limit as written in text (the `limit` option, a file's `@heapmark-limit` comment): a size
 * like "48 MB" or plain digits for bytes, optionally followed by the measure it judges ("48 MB
 * live"). Throws a HeapmarkError naming what was wrong: the size, or a measure word that is
 * neither "used" nor "live".
 */
export function parseLimitText(text: string): LimitText {
  const trimmed = text.trim()
  // A trailing word that is not a unit: the measure ("48 MB live", "50000000 used").
  const words = /^(.*\S)\s+([A-Za-z]+)$/.exec(trimmed)
  const size = words?.[1]
  const word = words?.[2]
  // "48 MX" is a bad unit, "48 MB liv" and "48 alive" a bad measure: units are at most 3 letters.
  if (size !== undefined && word !== undefined && !isSize(trimmed) && (PEAK_MEASURES.includes(word.toLowerCase() as PeakMeasure) || word.length > 3 || /[A-Za-z]/.test(size))) {
    const measure = word.toLowerCase()
    if (!PEAK_MEASURES.includes(measure as PeakMeasure)) {
      throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `${UNKNOWN_MEASURE} ${JSON.stringify(word)}: a limit judges "used" (the used peak, the default) or "live" (the live peak)`)
    }
    return { spec: size, bytes: limitBytes(size), ...(measure === 'live' ? { measure: 'live' as const } : {}) }
  }
  return { spec: trimmed, bytes: limitBytes(trimmed) }
}

function isSize(text: string): boolean {
  try {
    limitBytes(text)
    return true
  } catch {
    return false
  }
}

/**
 * The bytes of a limit's size as written in text: a size like "48 MB", or plain digits for bytes.
 * Throws on anything else.
 */
export function limitBytes(spec: string): number {
  return parseSize(/^\d+$/.test(spec) ? Number(spec) : spec)
}
