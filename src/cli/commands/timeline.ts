import path from 'node:path'
import { readJsonReport } from '../../core/report/read.js'
import { HeapmarkError } from '../../errors.js'
import { hasTimeline, renderTimeline } from '../../reporters/timeline.js'
import { checkOutputsFree, OUTPUT_FLAGS, parseCommandLine, writeOutputFile } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark timeline <report.json> [options]

Writes an HTML page of each test worker's live memory, test by test, from a JSON report (written
with --json or HEAPMARK_JSON): one self-contained file (no network needed) to open in a browser.
One chart per worker; tests that kept 1 MiB or more alive are red, workers that died are marked
at the end of their line. Hover a point for the test, click it for its peak, retained memory and
allocation sites.
Default output: heapmark-timeline-<report name>.html next to the report.

Options:
  -o, --output PATH   Where to write the page.
  -f, --force         Overwrite an existing output file.
  -h, --help          Show this help.`

export const timelineCommand: Command = {
  summary: 'Write an HTML page of live and retained memory per worker from a JSON report',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { ...OUTPUT_FLAGS }, HELP, 'JSON report')
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const report = await readJsonReport(line.target)
    if (!hasTimeline(report)) {
      throw new HeapmarkError('HEAPMARK_REPORT_INVALID', `${JSON.stringify(line.target)} has no per-worker timeline ("workers" is ${report.workers === undefined ? 'missing' : 'empty'}): it was written by an older heapmark, or no test ran with heapmark on`)
    }
    const output = (line.values.output as string | undefined) ?? defaultOutput(line.target)
    const force = line.values.force === true
    await checkOutputsFree([output], force)
    await writeOutputFile(output, renderTimeline(report, line.target), force)
    console.log(`Wrote ${output}`)
    return 0
  },
}

/** `heapmark-timeline-<report stem>.html` next to the report, like the capture commands' outputs. */
function defaultOutput(reportPath: string): string {
  const stem = path.basename(reportPath, path.extname(reportPath))
  return path.join(path.dirname(reportPath), `heapmark-timeline-${stem}.html`)
}
