import { buildTable, renderTableText } from '../../reporters/table.js'
import { parseCommandLine, parseCountFlag, printSections, readCaptures, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark table <capture-file-or-dir> [options]

Prints one row per allocation site (an allocating function reached through one call path):
bytes, share, estimated allocations, function, file:line and its caller, biggest first.
A directory of captures prints one table per capture, each headed by its test name.

Options:
  --limit N           Rows to show; 0 shows all (default 50).
  -h, --help          Show this help.`

export const tableCommand: Command = {
  summary: 'Print allocation sites, biggest first',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { limit: { type: 'string' } }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const limit = parseCountFlag(line.values, 'limit')
    const captures = await readCaptures(line.target)
    const color = stdoutColor()
    printSections(captures.map((capture) => renderTableText(buildTable(capture, { limit }), { color })))
    return 0
  },
}
