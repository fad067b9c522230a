import { HeapmarkError } from '../../errors.js'
import { encodePprof } from '../../reporters/transform-pprof.js'
import { renderSpeedscope } from '../../reporters/transform-speedscope.js'
import type { ReadCapture } from '../../core/capture/reader.js'
import { checkOutputsFree, OUTPUT_FLAGS, OUTPUT_HELP, parseCommandLine, readCaptures, resolveOutputPaths, writeOutputFile } from '../capture-command.js'
import type { Command } from '../command.js'

/** Each format: its default file extension and its encoder. */
const FORMATS = {
  speedscope: { extension: '.json', encode: (capture: ReadCapture): string | Uint8Array => renderSpeedscope(capture) },
  pprof: { extension: '.pb.gz', encode: (capture: ReadCapture): string | Uint8Array => encodePprof(capture) },
} as const

type FormatName = keyof typeof FORMATS
const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[]

const HELP = `Usage: heapmark transform <capture-file-or-dir> --format <format> [options]

Converts a capture for other tools:
  speedscope  speedscope JSON (open at https://www.speedscope.app or with the speedscope CLI);
              a "sampled" profile weighted by bytes.
  pprof       gzip-compressed profile.proto for \`go tool pprof\`, Pyroscope and other pprof
              tools; sample types alloc_objects/count and alloc_space/bytes.
Default output: heapmark-<format>-<capture name>.json (speedscope) or .pb.gz (pprof), next to
the capture (memray's naming for transform). A directory of captures gives one file per capture.

Options:
  --format FORMAT     speedscope or pprof (required).
${OUTPUT_HELP}
  -h, --help          Show this help.`

export const transformCommand: Command = {
  summary: 'Convert a capture to speedscope or pprof format',
  usage: HELP,
  async run(argv) {
    const line = parseCommandLine(argv, { ...OUTPUT_FLAGS, format: { type: 'string' } }, HELP)
    if (line.help) {
      console.log(HELP)
      return 0
    }
    const name = line.values.format
    if (typeof name !== 'string') throw new HeapmarkError('HEAPMARK_CLI_USAGE', `missing --format: expected one of ${FORMAT_NAMES.join(', ')}.\n\n${HELP}`)
    if (!Object.hasOwn(FORMATS, name)) {
      throw new HeapmarkError('HEAPMARK_UNKNOWN_FORMAT', `Unknown format ${JSON.stringify(name)}: expected one of ${FORMAT_NAMES.join(', ')}`)
    }
    const format = FORMATS[name as FormatName]
    const captures = await readCaptures(line.target)
    const outputs = await resolveOutputPaths(captures, line.values.output as string | undefined, name, format.extension)
    const force = line.values.force === true
    await checkOutputsFree(outputs, force)
    for (const [index, capture] of captures.entries()) {
      await writeOutputFile(outputs[index]!, format.encode(capture), force)
      console.log(`Wrote ${outputs[index]}`)
    }
    return 0
  },
}
