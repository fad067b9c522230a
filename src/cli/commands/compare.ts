import { createColors, type Colors } from '../../core/report/colors.js'
import { compareReports, type LiveFigureKind, type PeakChange } from '../../core/report/compare.js'
import { PEAK_MEASURES } from '../../core/config/limit-text.js'
import { readJsonReport } from '../../core/report/read.js'
import { formatTolerance, parseTolerance, INCREASE_NOISE_FLOOR_BYTES } from '../../core/history/increase.js'
import { formatSize } from '../../core/config/size.js'
import { LIVE_PEAK_UNKNOWN } from '../../core/report/memory-wording.js'
import { HeapmarkError } from '../../errors.js'
import { parseChoiceFlag, parseCountFlag, parseFlags, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark compare <old.json> <new.json> [options]

Compares per-test peaks of two JSON reports (written with --json), for example main's and a pull
request's. Tests are matched by name ("file > describe > test"). Prints the tests whose peak
changed most, growth first, then tests only in one report. Exits 1 when a test grew past the
threshold, so CI can fail on it; 0 otherwise.

Options:
  --measure used|live Which peaks to compare: "used" (default; garbage not yet collected included)
                      or "live" (the most each test kept reachable at once). Live peaks are compared
                      only when both reports have precise ones (runs with --live-peak); a lower
                      bound (≥) or an unknown one (?) is listed as not compared, never judged.
  --threshold T       Growth allowed per test: a share of the old peak like "10%" (default), or a
                      size like "2 MB". Growth under ${formatSize(INCREASE_NOISE_FLOOR_BYTES)} never counts (measurement noise).
  --top N             Rows per section (default 20; 0 = all).
  --json              Print the comparison as JSON.
  -h, --help          Show this help.`

export const compareCommand: Command = {
  summary: 'Compare per-test peaks (used or live) of two JSON reports; exit 1 past a threshold',
  usage: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { threshold: { type: 'string' }, top: { type: 'string' }, measure: { type: 'string' }, json: { type: 'boolean' } }, HELP)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length !== 2) {
      throw new HeapmarkError('HEAPMARK_CLI_USAGE', `expected two JSON reports (old, then new), got ${positionals.length}.\n\n${HELP}`)
    }
    const tolerance = parseThreshold(typeof values.threshold === 'string' ? values.threshold : '10%')
    const measure = parseChoiceFlag(values, 'measure', PEAK_MEASURES) ?? 'used'
    const top = parseCountFlag(values, 'top') ?? 20
    const [before, after] = await Promise.all(positionals.map((file) => readJsonReport(file)))
    const comparison = compareReports(before!, after!, tolerance, measure)
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ threshold: formatTolerance(tolerance), ...comparison }, null, 2)}\n`)
      return comparison.grewCount > 0 ? 1 : 0
    }
    const c = createColors(stdoutColor())
    const live = measure === 'live'
    const limit = <T>(rows: T[]) => (top === 0 ? rows : rows.slice(0, top))
    const inBoth = comparison.changed.length + comparison.notJudged.length
    const lines = [c.bold(`heapmark compare: ${inBoth} tests in both, ${comparison.added.length} new, ${comparison.removed.length} gone (${live ? 'live peaks, ' : ''}threshold ${formatTolerance(tolerance)}, at least ${formatSize(INCREASE_NOISE_FLOOR_BYTES)})`)]
    const moved = comparison.changed.filter((row) => row.change !== 0)
    if (moved.length > 0) {
      lines.push('', `${live ? 'Live peak' : 'Peak'} changes, largest growth first:`)
      for (const row of limit(moved)) lines.push(`  ${renderChange(row, c)}  ${row.name}`)
    }
    if (comparison.notJudged.length > 0) {
      lines.push('', live
        ? 'Not compared (live peaks are compared only when both are precise: run both with --live-peak; ≥ a lower bound, ? not known, - not in the report):'
        : 'Not compared (one peak was measured with --live-peak\'s small young generation, the other without, which alone changes used peaks):')
      for (const row of limit(comparison.notJudged)) lines.push(`  ${figure(row.before, row.beforeKind)} -> ${figure(row.after, row.afterKind)}  ${c.dim(`(${notJudgedWords(row)})`)}  ${row.name}`)
    }
    if (comparison.added.length > 0) {
      lines.push('', 'Only in the new report:')
      for (const row of limit(comparison.added)) lines.push(`  ${figure(row.after, row.afterKind)}  ${row.name}`)
    }
    if (comparison.removed.length > 0) {
      lines.push('', 'Only in the old report:')
      for (const row of limit(comparison.removed)) lines.push(`  ${figure(row.before, row.beforeKind)}  ${row.name}`)
    }
    lines.push('', comparison.grewCount > 0 ? c.red(`${comparison.grewCount} test(s) grew past the threshold.`) : c.green('No test grew past the threshold.'))
    if (comparison.notJudged.length > 0) lines.push(c.yellow(`${comparison.notJudged.length} test(s) in both reports not compared (see above).`))
    console.log(lines.join('\n'))
    return comparison.grewCount > 0 ? 1 : 0
  },
}

/** A figure in a 10-wide column: "8.0 MiB", "≥ 8.0 MiB" for a lower bound, "?" unknown, "-" missing. */
function figure(bytes: number | undefined, kind: LiveFigureKind | undefined): string {
  if (kind === 'missing' || bytes === undefined) return '-'.padStart(10)
  if (kind === 'unknown') return '?'.padStart(10)
  return `${kind === 'lower-bound' ? '≥ ' : ''}${formatSize(bytes)}`.padStart(10)
}

const SIDE_WORDS: Partial<Record<LiveFigureKind, string>> = {
  'lower-bound': 'a lower bound',
  unknown: LIVE_PEAK_UNKNOWN,
  missing: 'missing (a report without live peaks)',
}

/** "old: a lower bound; new: not known (...)": why a row was not compared. */
function notJudgedWords(row: PeakChange): string {
  if (row.notJudged === 'young-generation-changed') return 'different young generations'
  const sides = [['old', row.beforeKind], ['new', row.afterKind]] as const
  return sides.filter(([, kind]) => kind !== 'estimate').map(([side, kind]) => `${side}: ${SIDE_WORDS[kind!] ?? kind}`).join('; ')
}

function renderChange(row: PeakChange, c: Colors): string {
  const change = row.change!
  const sign = change > 0 ? '+' : '-'
  const percent = row.before! > 0 ? ` (${sign}${Math.round((Math.abs(change) / row.before!) * 100)}%)` : ''
  const text = `${formatSize(row.before!).padStart(10)} -> ${formatSize(row.after!).padStart(10)}  ${`${sign}${formatSize(Math.abs(change))}${percent}`.padEnd(20)}`
  return row.grew ? c.red(`${text} GREW`) : `${text}     `
}

function parseThreshold(raw: string) {
  try {
    return parseTolerance(/^\s*\d+\s*$/.test(raw) ? Number(raw) : raw)
  } catch {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `Invalid --threshold ${JSON.stringify(raw)}: expected a share of the old peak like "10%", or a size like "2 MB"`)
  }
}
