import { HeapmarkError } from '../../errors.js'
import { formatSize, parseSize } from './size.js'
import { LIMIT_MEASURE_HINT, measureProblem, PEAK_MEASURES, parseLimitText, type PeakMeasure } from './limit-text.js'
import { parseTolerance } from '../history/increase.js'

/**
 * Run-level options. One table (OPTION_SPECS) drives config validation, environment variables,
 * CLI flags and docs, so a setting can never work from one place and silently not from another
 * (pytest-memray's ini settings famously did not: their issue #135).
 *
 * Precedence: environment > config. The `heapmark` CLI writes its flags into the environment of
 * the runner it starts (optionsToEnv), so overall it is CLI > env > config.
 */
export interface HeapmarkOptions {
  /** Measure at all. Off unless asked for. */
  enabled?: boolean
  /** How many tests the summary shows, largest peak first; 0 shows all. */
  mostAllocations?: number
  /** Stack frames shown per allocating site. */
  stacks?: number
  /** Skip the end-of-run summary. */
  hideSummary?: boolean
  /** Write the JSON report to this path. */
  json?: string
  /** Heap sampling interval: bytes, or a size string like "16 KiB". */
  samplingInterval?: number | string
  /** Keep one capture file (.heapprofile) per test in this directory. */
  binPath?: string
  /** Put this in front of every capture file name. */
  binPrefix?: string
  /** Fail a test whose peak grew beyond `increaseTolerance` over the last run where it passed. */
  failOnIncrease?: boolean
  /** Growth allowed by failOnIncrease: "10%" of the old peak, or a size like "2 MB". */
  increaseTolerance?: string | number
  /**
   * What failOnIncrease compares: 'used' (the default), the used peaks; 'live', the live peaks
   * (turns livePeak on: only precise estimates are compared, so verdicts do not flap).
   */
  increaseMeasure?: PeakMeasure
  /** The history file (per-test peaks of earlier runs). */
  historyPath?: string
  /** Full GC before every test: retained memory per test exactly, at a cost. */
  preciseRetention?: boolean
  /**
   * A memory limit for every test without its own limitMemory ("48 MB", bytes, or "off"). A test
   * file can change it with a `@heapmark-limit` comment at its top (see default-limit.ts).
   * "48 MB live" or `{ bytes: '48 MB', measure: 'live' }` judges the live peak, as limitMemory's
   * `{ measure: 'live' }` does.
   */
  limit?: string | number | null | { bytes: string | number; measure?: PeakMeasure }
  /** Precise live peaks: a small young generation in test workers, at a cost. */
  livePeak?: boolean
  /**
   * Settle the heap with a full GC before a test whenever earlier tests may have left 1 MiB of
   * garbage, as heapmark did before 0.2: every peak exact without correction, at 1.2-2x the CPU.
   */
  precise?: boolean
}

export interface ResolvedHeapmarkOptions {
  enabled: boolean
  mostAllocations: number
  stacks: number
  hideSummary: boolean
  json: string | undefined
  samplingInterval: number
  binPath: string | undefined
  binPrefix: string
  failOnIncrease: boolean
  /** "10%" or a number of bytes; see parseTolerance. */
  increaseTolerance: string | number
  increaseMeasure: PeakMeasure
  /** undefined: the default place under the project root (DEFAULT_HISTORY_PATH). */
  historyPath: string | undefined
  preciseRetention: boolean
  /** The run's default limit; undefined when none was set (or it was set to "off"). */
  limit: DefaultLimit | undefined
  livePeak: boolean
  precise: boolean
}

/** The run-wide default limit, with where it was set (failure messages name it). */
export interface DefaultLimit {
  /** The size as the user wrote it, e.g. "48 MB" (without the measure word). */
  spec: string
  bytes: number
  /** Set when the limit judges the live peak ("48 MB live"). */
  measure?: 'live'
  /** Where it was set: `HEAPMARK_LIMIT` or `heapmark option "limit"`. */
  from: string
}

export type OptionType = 'boolean' | 'count' | 'string' | 'size' | 'tolerance' | 'limit' | 'measure'

export interface OptionSpec {
  key: keyof HeapmarkOptions
  env: string
  /** CLI flag without the leading "--"; null when the CLI has no flag for it. */
  flag: string | null
  type: OptionType
  default: boolean | number | string | undefined
  /** Inclusive bounds for 'count' and 'size' options. */
  min?: number
  max?: number
  description: string
}

export const MIN_SAMPLING_INTERVAL = 64
export const MAX_SAMPLING_INTERVAL = 1024 * 1024

export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'enabled', env: 'HEAPMARK', flag: null, type: 'boolean', default: false,
    description: 'Measure memory. Off unless asked for; the heapmark CLI turns it on.',
  },
  {
    key: 'mostAllocations', env: 'HEAPMARK_MOST_ALLOCATIONS', flag: 'most-allocations', type: 'count', default: 5, min: 0,
    description: 'How many tests the summary shows, largest peak first (0 = all). Tests over their limit are always shown.',
  },
  {
    key: 'stacks', env: 'HEAPMARK_STACKS', flag: 'stacks', type: 'count', default: 1, min: 1,
    description: 'Stack frames shown for each allocating site in the summary.',
  },
  {
    key: 'hideSummary', env: 'HEAPMARK_HIDE_SUMMARY', flag: 'hide-summary', type: 'boolean', default: false,
    description: 'Do not print the end-of-run memory summary.',
  },
  {
    key: 'json', env: 'HEAPMARK_JSON', flag: 'json', type: 'string', default: undefined,
    description: 'Write the JSON report (docs/json-report.md) to this path.',
  },
  {
    key: 'samplingInterval', env: 'HEAPMARK_SAMPLING_INTERVAL', flag: 'sampling-interval', type: 'size', default: 16384,
    min: MIN_SAMPLING_INTERVAL, max: MAX_SAMPLING_INTERVAL,
    // Below 64 B nearly every allocation is sampled (slow); above 1 MiB most tests get no samples.
    description: 'Average bytes between heap samples, as bytes or a size like "16 KiB" (64 B to 1 MiB). Smaller is more precise and slower.',
  },
  {
    key: 'binPath', env: 'HEAPMARK_BIN_PATH', flag: 'bin-path', type: 'string', default: undefined,
    description: 'Keep one capture file (.heapprofile) per test in this directory (created if missing).',
  },
  {
    key: 'binPrefix', env: 'HEAPMARK_BIN_PREFIX', flag: 'bin-prefix', type: 'string', default: '',
    description: 'Put this in front of every capture file name.',
  },
  {
    key: 'failOnIncrease', env: 'HEAPMARK_FAIL_ON_INCREASE', flag: 'fail-on-increase', type: 'boolean', default: false,
    description: 'Fail a test whose peak grew beyond the tolerance over the last run where it passed.',
  },
  {
    key: 'increaseTolerance', env: 'HEAPMARK_INCREASE_TOLERANCE', flag: 'increase-tolerance', type: 'tolerance', default: '10%',
    description: 'Growth --fail-on-increase allows: a share of the old peak like "10%", or a size like "2 MB" (never under 1 MiB).',
  },
  {
    key: 'increaseMeasure', env: 'HEAPMARK_INCREASE_MEASURE', flag: 'increase-measure', type: 'measure', default: 'used',
    description: 'What --fail-on-increase compares: "used" peaks, or "live" peaks (turns --live-peak on; tests without a precise live figure are not judged).',
  },
  {
    key: 'historyPath', env: 'HEAPMARK_HISTORY', flag: 'history-path', type: 'string', default: undefined,
    description: 'History file of per-test peaks (default node_modules/.cache/heapmark/history.json under the project root).',
  },
  {
    key: 'preciseRetention', env: 'HEAPMARK_PRECISE_RETENTION', flag: 'precise-retention', type: 'boolean', default: false,
    description: 'Run a full GC before every test, so the memory each test leaves alive is measured for that test alone (slower).',
  },
  {
    key: 'limit', env: 'HEAPMARK_LIMIT', flag: 'limit', type: 'limit', default: undefined,
    description: 'A memory limit for every test without its own limitMemory, like "48 MB" ("off": none); "48 MB live" judges the live peak. A file changes it with a "@heapmark-limit" comment at its top.',
  },
  {
    key: 'livePeak', env: 'HEAPMARK_LIVE_PEAK', flag: 'live-peak', type: 'boolean', default: false,
    description: 'Measure each test\'s live peak precisely (a 1 MiB young generation in test workers, so little garbage hides in readings; slower).',
  },
  {
    key: 'precise', env: 'HEAPMARK_PRECISE', flag: 'precise', type: 'boolean', default: false,
    description: 'Prevent the baseline trap with a full GC before a test whenever 1 MiB of garbage may have piled up, instead of correcting it (every peak exact; 1.2-2x the CPU of a plain run).',
  },
]

type OptionValue = boolean | number | string

/** Where a value came from, for error messages that point at the right place. */
interface ValueSource {
  /** Human wording, e.g. `environment variable HEAPMARK_STACKS`. */
  label: string
  /** Strings from env and argv need text parsing; config values are already typed. */
  textual: boolean
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on']
const FALSE_WORDS = ['0', 'false', 'no', 'off']
const BOOLEAN_WORDS = '1/0, true/false, yes/no or on/off'

export function resolveOptions(
  config: HeapmarkOptions | undefined,
  env: Record<string, string | undefined>,
): ResolvedHeapmarkOptions {
  const fromConfig = validateConfig(config ?? {})
  const resolved: Record<string, OptionValue | DefaultLimit | undefined> = {}
  for (const spec of OPTION_SPECS) {
    const raw = env[spec.env]
    const fromEnv = raw === undefined || raw === ''
      ? undefined
      : parseOptionValue(spec, raw, { label: `environment variable ${spec.env}`, textual: true })
    resolved[spec.key] = fromEnv ?? fromConfig[spec.key] ?? spec.default
    // `heapmark run --limit` reaches the runner as HEAPMARK_LIMIT, so that name covers both.
    if (spec.type === 'limit') resolved[spec.key] = toDefaultLimit(resolved[spec.key] as string | undefined, fromEnv !== undefined ? spec.env : `heapmark option "${spec.key}"`)
  }
  // Live comparisons judge only precise estimates (lower bounds move with V8's GC timing, so a
  // verdict on them would flap): asking for them asks for the mode that makes them.
  if (resolved.increaseMeasure === 'live') resolved.livePeak = true
  return resolved as unknown as ResolvedHeapmarkOptions
}

/** The word that switches a limit off, in the options and in a file's `@heapmark-limit` comment. */
export const LIMIT_OFF = 'off'

function toDefaultLimit(value: string | undefined, from: string): DefaultLimit | undefined {
  if (value === undefined || value === LIMIT_OFF) return undefined
  return { ...parseLimitText(value), from }
}

/** Turns options into the environment variables that carry them to the runner process. */
export function optionsToEnv(partial: HeapmarkOptions): Record<string, string> {
  const validated = validateConfig(partial)
  const env: Record<string, string> = {}
  for (const spec of OPTION_SPECS) {
    const value = validated[spec.key]
    if (value === undefined) continue
    env[spec.env] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value)
  }
  return env
}

/** The `options` argument for `node:util` parseArgs, covering every option that has a flag. */
export function cliFlagsForParseArgs(): Record<string, { type: 'string' | 'boolean' }> {
  const flags: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const spec of OPTION_SPECS) {
    if (spec.flag !== null) flags[spec.flag] = { type: spec.type === 'boolean' ? 'boolean' : 'string' }
  }
  return flags
}

/** Converts parseArgs `values` into validated options; flags that are not heapmark options are ignored. */
export function optionsFromParsedFlags(values: Record<string, unknown>): HeapmarkOptions {
  const options: Record<string, OptionValue> = {}
  for (const spec of OPTION_SPECS) {
    if (spec.flag === null) continue
    // parseArgs gives an array when a flag repeats (only with `multiple`); the last one wins, as usual.
    const raw = Array.isArray(values[spec.flag]) ? (values[spec.flag] as unknown[]).at(-1) : values[spec.flag]
    if (raw === undefined) continue
    const source = { label: `--${spec.flag}`, textual: typeof raw === 'string' }
    options[spec.key] = parseOptionValue(spec, raw, source)
  }
  return options as HeapmarkOptions
}

function validateConfig(config: HeapmarkOptions): Partial<Record<keyof HeapmarkOptions, OptionValue>> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new HeapmarkError(
      'HEAPMARK_INVALID_OPTION',
      `Invalid heapmark options ${describeValue(config)}: expected an object like { stacks: 2 }`,
    )
  }
  const validated: Partial<Record<keyof HeapmarkOptions, OptionValue>> = {}
  for (const [key, value] of Object.entries(config)) {
    const spec = OPTION_SPECS.find((candidate) => candidate.key === key)
    if (!spec) throw unknownOption(key)
    if (value === undefined) continue
    validated[spec.key] = parseOptionValue(spec, value, { label: `heapmark option "${key}"`, textual: false })
  }
  return validated
}

function parseOptionValue(spec: OptionSpec, raw: unknown, source: ValueSource): OptionValue {
  switch (spec.type) {
    case 'boolean':
      return parseBoolean(raw, source)
    case 'count':
      return parseCount(spec, raw, source)
    case 'string':
      if (typeof raw === 'string' && raw.trim() !== '') return raw
      throw invalidOption(raw, source, 'a non-empty path')
    case 'size':
      return parseBoundedSize(spec, raw, source)
    case 'tolerance':
      return parseToleranceOption(raw, source)
    case 'limit':
      return parseLimitOption(raw, source)
    case 'measure':
      return parseMeasure(raw, source)
  }
}

function parseMeasure(raw: unknown, source: ValueSource): PeakMeasure {
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined
  if (PEAK_MEASURES.includes(word as PeakMeasure)) return word as PeakMeasure
  throw invalidOption(raw, source, '"used" (used peaks) or "live" (live peaks)')
}

function parseBoolean(raw: unknown, source: ValueSource): boolean {
  if (typeof raw === 'boolean') return raw
  if (source.textual && typeof raw === 'string') {
    const word = raw.trim().toLowerCase()
    if (TRUE_WORDS.includes(word)) return true
    if (FALSE_WORDS.includes(word)) return false
  }
  throw invalidOption(raw, source, source.textual ? BOOLEAN_WORDS : 'true or false')
}

function parseCount(spec: OptionSpec, raw: unknown, source: ValueSource): number {
  const min = spec.min ?? 0
  const value = source.textual && typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value
  const hint = spec.key === 'mostAllocations' ? ' (0 means all)' : ''
  throw invalidOption(raw, source, `a whole number >= ${min}${hint}`)
}

function parseBoundedSize(spec: OptionSpec, raw: unknown, source: ValueSource): number {
  const expected = `a number of bytes or a size like "16 KiB", from ${formatSize(spec.min ?? 1)} to ${formatSize(spec.max ?? Number.MAX_SAFE_INTEGER)}`
  // Env and argv carry everything as text, so a bare "4096" there means bytes, as a JS number would.
  const value = source.textual && typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
  if (typeof value !== 'number' && typeof value !== 'string') throw invalidOption(raw, source, expected)
  let bytes: number
  try {
    bytes = parseSize(value)
  } catch {
    throw invalidOption(raw, source, expected)
  }
  if (bytes < (spec.min ?? 1) || bytes > (spec.max ?? Number.MAX_SAFE_INTEGER)) throw invalidOption(raw, source, expected)
  return bytes
}

function parseToleranceOption(raw: unknown, source: ValueSource): string | number {
  const expected = 'a share of the old peak like "10%", or a size like "2 MB"'
  const value = source.textual && typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
  if (typeof value !== 'number' && typeof value !== 'string') throw invalidOption(raw, source, expected)
  try {
    const tolerance = parseTolerance(value)
    return 'percent' in tolerance ? `${tolerance.percent}%` : tolerance.bytes
  } catch {
    throw invalidOption(raw, source, expected)
  }
}

/**
 * A size (kept as written, for messages) with its measure word if any ("48 MB live"), bytes, or
 * "off". Config may also give `{ bytes, measure }`, as limitMemory takes `{ measure }`.
 */
function parseLimitOption(raw: unknown, source: ValueSource): string {
  const expected = `a size like "48 MB" or a number of bytes, ${LIMIT_MEASURE_HINT}, or "${LIMIT_OFF}"`
  if (typeof raw === 'string' && raw.trim().toLowerCase() === LIMIT_OFF) return LIMIT_OFF
  if (raw === null && !source.textual) return LIMIT_OFF
  if (!source.textual && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return parseLimitObject(raw as Record<string, unknown>, source)
  if (typeof raw === 'number') {
    try {
      return String(parseSize(raw))
    } catch {
      throw invalidOption(raw, source, expected)
    }
  }
  if (typeof raw !== 'string') throw invalidOption(raw, source, expected)
  try {
    const limit = parseLimitText(raw)
    return limit.measure ? `${limit.spec} ${limit.measure}` : limit.spec
  } catch (error) {
    const measure = measureProblem(error)
    throw invalidOption(raw, source, `${expected}${measure}`)
  }
}

function parseLimitObject(raw: Record<string, unknown>, source: ValueSource): string {
  const expected = `{ bytes: "48 MB" (or a number of bytes), measure: "live" or "used" }`
  const unknown = Object.keys(raw).filter((key) => key !== 'bytes' && key !== 'measure')
  if (unknown.length > 0 || (typeof raw.bytes !== 'string' && typeof raw.bytes !== 'number')) throw invalidOption(raw, source, expected)
  if (raw.measure !== undefined && !PEAK_MEASURES.includes(raw.measure as PeakMeasure)) throw invalidOption(raw, source, expected)
  let size: string | undefined
  try {
    size = typeof raw.bytes === 'number' ? String(parseSize(raw.bytes)) : parseLimitText(raw.bytes).spec
  } catch {
    size = undefined
  }
  // `bytes` holds the size only: a measure word there ("48 MB live") belongs in `measure`.
  if (size === undefined || (typeof raw.bytes === 'string' && size !== raw.bytes.trim())) throw invalidOption(raw, source, expected)
  return raw.measure === 'live' ? `${size} live` : size
}

function invalidOption(raw: unknown, source: ValueSource, expected: string): HeapmarkError {
  return new HeapmarkError(
    'HEAPMARK_INVALID_OPTION',
    `Invalid value ${describeValue(raw)} for ${source.label}: expected ${expected}`,
  )
}

function unknownOption(key: string): HeapmarkError {
  const accepted = OPTION_SPECS.map((spec) => spec.key)
  const closest = closestKey(key, accepted)
  const suggestion = closest ? ` Did you mean "${closest}"?` : ''
  return new HeapmarkError(
    'HEAPMARK_UNKNOWN_OPTION',
    `Unknown heapmark option ${JSON.stringify(key)}.${suggestion} Accepted options: ${accepted.join(', ')}`,
  )
}

/** The accepted key within edit distance 2 (case-insensitive), if there is one. */
function closestKey(key: string, accepted: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined
  for (const candidate of accepted) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance }
  }
  return best?.key
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]!
}

function describeValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  const json = typeof value === 'bigint' || typeof value === 'function' ? undefined : JSON.stringify(value)
  return json ?? `(${typeof value})`
}
