import { renderFlamegraph } from '../../reporters/flamegraph.js'
import { checkOutputsFree, OUTPUT_FLAGS, OUTPUT_HELP, parseCommandLine, readCaptures, resolveOutputPaths, writeOutputFile } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark flamegraph <capture-file-or-dir> [options]

Writes an HTML flamegraph of a capture: one self-contained file (no network needed) to open in a
browser; click to zoom, search to highlight, hover for bytes and source lines.
Default output: heapmark-flamegraph-<capture name>.html next to the capture.
A directory of captures gives one HTML file per capture (*.heapprofile in it, sorted by name).

Options:
${OUTPUT_HELP}
  -h, --help          Show this help.`

export const flamegraphCommand: Command = {
  summary: 'Write an HTML flamegraph of a capture (or of each capture in a directory)',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { ...OUTPUT_FLAGS }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const captures = await readCaptures(line.target)
    const outputs = await resolveOutputPaths(captures, line.values.output as string | undefined, 'flamegraph', '.html')
    const force = line.values.force === true
    await checkOutputsFree(outputs, force)
    for (const [index, capture] of captures.entries()) {
      await writeOutputFile(outputs[index]!, renderFlamegraph(capture), force)
      console.log(`Wrote ${outputs[index]}`)
    }
    return 0
  },
}
