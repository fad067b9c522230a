import { parseArgs } from 'node:util'
import { writeJsonReport } from '../../core/report/json.js'
import { mergeReports } from '../../core/report/merge.js'
import { readJsonReport } from '../../core/report/read.js'
import { renderTextReport } from '../../core/report/render-text.js'
import { HeapmarkError } from '../../errors.js'
import { stdoutColor } from '../capture-command.js'
import type { Command } from '../main.js'

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
    let parsed
    try {
      parsed = parseArgs({
        args: argv,
        options: { output: { type: 'string', short: 'o' }, 'most-allocations': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      })
    } catch (error) {
      throw new HeapmarkError('HEAPMARK_CLI_USAGE', `${(error as Error).message}\n\n${HELP}`)
    }
    const { values, positionals } = parsed
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length === 0) throw new HeapmarkError('HEAPMARK_CLI_USAGE', `no reports given.\n\n${HELP}`)
    if (!values.output) throw new HeapmarkError('HEAPMARK_CLI_USAGE', `missing -o <merged.json>.\n\n${HELP}`)
    const most = values['most-allocations'] ?? '5'
    if (!/^\d+$/.test(most)) throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `Invalid --most-allocations ${JSON.stringify(most)}: expected a whole number, 0 or more`)
    const merged = mergeReports(await Promise.all(positionals.map((file) => readJsonReport(file))))
    await writeJsonReport(values.output, merged)
    if (!values.quiet) console.log(renderTextReport(merged, { mostAllocations: Number(most), stacks: 1, color: stdoutColor() }))
    console.log(`heapmark merge: ${merged.tests.length} tests from ${positionals.length} reports written to ${values.output}`)
    return 0
  },
}
