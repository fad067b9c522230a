import { writeJsonReport } from '../../core/report/json.js'
import { mergeReports } from '../../core/report/merge.js'
import { readJsonReport } from '../../core/report/read.js'
import { renderTextReport } from '../../core/report/render-text.js'
import { HeapmarkError } from '../../errors.js'
import { parseCountFlag, parseFlags, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark merge <report.json>... -o <merged.json> [options]

Merges JSON reports (written with --json) into one: every test, run totals recomputed. For runners
whose shards cannot be merged by the runner itself (Jest's --shard); Vitest users get one report
from "vitest --merge-reports" directly. Prints the merged report's summary unless --quiet.

Options:
  -o, --output PATH       Where to write the merged report (required).
  --most-allocations N    Tests in the printed summary (default 5; 0 = all).
  --quiet                 Do not print the summary.
  -h, --help              Show this help.`

export const mergeCommand: Command = {
  summary: 'Merge JSON reports (e.g. of shards) into one',
  usage: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { output: { type: 'string', short: 'o' }, 'most-allocations': { type: 'string' }, quiet: { type: 'boolean' } }, HELP)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length === 0) throw new HeapmarkError('HEAPMARK_CLI_USAGE', `no reports given.\n\n${HELP}`)
    const output = values.output
    if (typeof output !== 'string') throw new HeapmarkError('HEAPMARK_CLI_USAGE', `missing -o <merged.json>.\n\n${HELP}`)
    const most = parseCountFlag(values, 'most-allocations') ?? 5
    const merged = mergeReports(await Promise.all(positionals.map((file) => readJsonReport(file))))
    await writeJsonReport(output, merged)
    if (!values.quiet) console.log(renderTextReport(merged, { mostAllocations: most, stacks: 1, color: stdoutColor() }))
    console.log(`heapmark merge: ${merged.tests.length} tests from ${positionals.length} reports written to ${output}`)
    return 0
  },
}
