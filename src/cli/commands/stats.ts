import { stat } from 'node:fs/promises'
import { buildStats, renderStatsJson, renderStatsText } from '../../reporters/stats.js'
import { parseCommandLine, parseCountFlag, printSections, readCaptures, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark stats <capture-file-or-dir> [options]

Prints a capture's numbers: peak, total allocated, allocation and sample counts, a histogram of
allocation sizes, and the top allocating functions by size and by count.
A directory of captures prints one section per capture, each headed by its test name; with
--json, a file gives one JSON object and a directory a JSON array of them.

Options:
  --json              Print JSON instead of text (fields: see docs/cli.md).
  --top N             Functions in each top list (default 5).
  -h, --help          Show this help.`

export const statsCommand: Command = {
  summary: 'Print summary numbers, a size histogram and the top allocators',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { json: { type: 'boolean' }, top: { type: 'string' } }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const top = parseCountFlag(line.values, 'top')
    const captures = await readCaptures(line.target)
    const stats = captures.map((capture) => buildStats(capture, { top }))
    if (line.values.json) {
      process.stdout.write(renderStatsJson(!(await stat(line.target)).isDirectory() ? stats[0]! : stats))
      return 0
    }
    const color = stdoutColor()
    printSections(stats.map((entry) => renderStatsText(entry, { color })))
    return 0
  },
}
