import { createColors } from 'picocolors'
import { compareReports, type PeakChange } from '../../core/report/compare.js'
import { readJsonReport } from '../../core/report/read.js'
import { formatTolerance, parseTolerance, INCREASE_NOISE_FLOOR_BYTES } from '../../core/history/increase.js'
import { formatSize } from '../../core/config/size.js'
import { HeapmarkError } from '../../errors.js'
import { parseCountFlag, parseFlags, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark compare <old.json> <new.json> [options]

Compares per-test peaks of two JSON reports (written with --json), for example main's and a pull
request's. Tests are matched by name ("file > describe > test"). Prints the tests whose peak
changed most, growth first, then tests only in one report. Exits 1 when a test grew past the
threshold, so CI can fail on it; 0 otherwise.

Options:
  --threshold T       Growth allowed per test: a share of the old peak like "10%" (default), or a
                      size like "2 MB". Growth under ${formatSize(INCREASE_NOISE_FLOOR_BYTES)} never counts (measurement noise).
  --top N             Rows per section (default 20; 0 = all).
  --json              Print the comparison as JSON.
  -h, --help          Show this help.`

export const compareCommand: Command = {
  summary: 'Compare per-test peaks of two JSON reports; exit 1 past a threshold',
  usage: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { threshold: { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' } }, HELP)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length !== 2) {
      throw new HeapmarkError('HEAPMARK_CLI_USAGE', `expected two JSON reports (old, then new), got ${positionals.length}.\n\n${HELP}`)
    }
    const tolerance = parseThreshold(typeof values.threshold === 'string' ? values.threshold : '10%')
    const top = parseCountFlag(values, 'top') ?? 20
    const [before, after] = await Promise.all(positionals.map((file) => readJsonReport(file)))
    const comparison = compareReports(before!, after!, tolerance)
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ threshold: formatTolerance(tolerance), ...comparison }, null, 2)}\n`)
      return comparison.grewCount > 0 ? 1 : 0
    }
    const c = createColors(stdoutColor())
    const limit = <T>(rows: T[]) => (top === 0 ? rows : rows.slice(0, top))
    const lines = [c.bold(`heapmark compare: ${comparison.changed.length} tests in both, ${comparison.added.length} new, ${comparison.removed.length} gone (threshold ${formatTolerance(tolerance)}, at least ${formatSize(INCREASE_NOISE_FLOOR_BYTES)})`)]
    const moved = comparison.changed.filter((row) => row.change !== 0)
    if (moved.length > 0) {
      lines.push('', 'Peak changes, largest growth first:')
      for (const row of limit(moved)) lines.push(`  ${renderChange(row, c)}  ${row.name}`)
    }
    if (comparison.added.length > 0) {
      lines.push('', 'Only in the new report:')
      for (const row of limit(comparison.added)) lines.push(`  ${formatSize(row.after!).padStart(10)}  ${row.name}`)
    }
    if (comparison.removed.length > 0) {
      lines.push('', 'Only in the old report:')
      for (const row of limit(comparison.removed)) lines.push(`  ${formatSize(row.before!).padStart(10)}  ${row.name}`)
    }
    lines.push('', comparison.grewCount > 0 ? c.red(`${comparison.grewCount} test(s) grew past the threshold.`) : c.green('No test grew past the threshold.'))
    console.log(lines.join('\n'))
    return comparison.grewCount > 0 ? 1 : 0
  },
}

function renderChange(row: PeakChange, c: ReturnType<typeof createColors>): string {
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
