import { buildTree, renderTreeText } from '../../reporters/tree.js'
import { parseCommandLine, parseCountFlag, printSections, readCaptures, stdoutColor } from '../capture-command.js'
import type { Command } from '../command.js'

const HELP = `Usage: heapmark tree <capture-file-or-dir> [options]

Prints the call tree of allocated bytes, biggest paths first, with total and own bytes per frame.
Runs of Node-internal or node_modules frames that only pass memory through are folded into one
line ("+N internal frames folded"); --all-frames shows them.
A directory of captures prints one tree per capture, each headed by its test name.

Options:
  --depth N           Levels below the root (default 12).
  --width N           Children shown per frame; the rest become "… N more" (default 5).
  --all-frames        Do not fold internal frames.
  -h, --help          Show this help.`

export const treeCommand: Command = {
  summary: 'Print the call tree of allocated bytes',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { depth: { type: 'string' }, width: { type: 'string' }, 'all-frames': { type: 'boolean' } }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const options = { depth: parseCountFlag(line.values, 'depth'), width: parseCountFlag(line.values, 'width'), foldInternals: line.values['all-frames'] !== true }
    const captures = await readCaptures(line.target)
    const color = stdoutColor()
    printSections(captures.map((capture) => renderTreeText(buildTree(capture, options), { color })))
    return 0
  },
}
