import { buildSummary, renderSummaryText } from '../../reporters/summary.js'
import { parseChoiceFlag, parseCommandLine, parseCountFlag, printSections, readCaptures, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark summary <capture-file-or-dir> [options]

Prints a table of functions with the bytes each allocated itself (own) and together with
everything it called (total), biggest first.
A directory of captures prints one table per capture, each headed by its test name.

Options:
  --sort own|total    Column to order by (default total).
  --limit N           Functions to show; 0 shows all (default 20).
  -h, --help          Show this help.`

export const summaryCommand: Command = {
  summary: 'Print functions by own and total allocated bytes',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { sort: { type: 'string' }, limit: { type: 'string' } }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const options = { sortBy: parseChoiceFlag(line.values, 'sort', ['own', 'total'] as const), limit: parseCountFlag(line.values, 'limit') }
    const captures = await readCaptures(line.target)
    const color = stdoutColor()
    printSections(captures.map((capture) => renderSummaryText(buildSummary(capture, options), { color })))
    return 0
  },
}
