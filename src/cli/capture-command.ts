import { mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import pc from 'picocolors'
import { CAPTURE_EXTENSION } from '../core/capture/format.js'
import { listCaptures, readCapture, type ReadCapture } from '../core/capture/reader.js'
import { HeapmarkError } from '../errors.js'

/**
 * What the report commands (flamegraph, stats, summary, table, tree, transform) share: argument
 * parsing with misuse reported as HEAPMARK_CLI_USAGE (main.ts exits 2 for it), the capture
 * argument (a file or a directory of captures), and memray's output rules: default name
 * `heapmark-<report>-<capture stem>.<ext>` next to the capture, never overwriting without --force.
 */
export type FlagValues = Record<string, string | boolean | undefined>

export type ParsedCommandLine = { help: true } | { help: false; target: string; values: FlagValues }

export const OUTPUT_FLAGS = {
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
} as const satisfies ParseArgsConfig['options']

export const OUTPUT_HELP = `  -o, --output PATH   Where to write (default: next to the capture, see above). With a
                      directory of captures, PATH is a directory to write them all into.
  -f, --force         Overwrite existing output files.`

/**
 * Flags plus any number of positional arguments, `--help`/`-h` included; a wrong command line is
 * misuse (HEAPMARK_CLI_USAGE, exit 2) and shows the command's help.
 */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>, help: string): { values: FlagValues; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
    return { values: parsed.values as FlagValues, positionals: parsed.positionals }
  } catch (error) {
    throw new HeapmarkError('HEAPMARK_CLI_USAGE', `${(error as Error).message}\n\n${help}`)
  }
}

/** `what`: the one positional argument, as the errors name it. */
export function parseCommandLine(argv: string[], options: NonNullable<ParseArgsConfig['options']>, help: string, what = 'capture file or directory'): ParsedCommandLine {
  const parsed = parseFlags(argv, options, help)
  const values = parsed.values
  if (values.help) return { help: true }
  const [target, ...extra] = parsed.positionals
  if (target === undefined) throw new HeapmarkError('HEAPMARK_CLI_USAGE', `missing the ${what}.\n\n${help}`)
  if (extra.length > 0) {
    throw new HeapmarkError('HEAPMARK_CLI_USAGE', `expected one ${what}, got ${parsed.positionals.length}: ${parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}\n\n${help}`)
  }
  return { help: false, target, values }
}

/** Reads every capture the argument names (one file, or a directory's *.heapprofile), in order. */
export async function readCaptures(target: string): Promise<ReadCapture[]> {
  const files = await listCaptures(target)
  const captures: ReadCapture[] = []
  for (const file of files) captures.push(await readCapture(file))
  return captures
}

/** A non-negative integer flag; `undefined` when the flag was not given. */
export function parseCountFlag(values: FlagValues, flag: string): number | undefined {
  const raw = values[flag]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `Invalid --${flag} ${JSON.stringify(raw)}: expected a whole number, 0 or more`)
  }
  return Number(raw)
}

/** One of a fixed set of words; the error lists them. */
export function parseChoiceFlag<T extends string>(values: FlagValues, flag: string, choices: readonly T[]): T | undefined {
  const raw = values[flag]
  if (raw === undefined) return undefined
  if (!choices.includes(raw as T)) {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `Invalid --${flag} ${JSON.stringify(raw)}: expected one of ${choices.join(', ')}`)
  }
  return raw as T
}

/** memray's naming: `heapmark-<report>-<capture stem>.<ext>`, in the capture's directory. */
export function defaultOutputPath(capturePath: string, report: string, extension: string): string {
  const stem = path.basename(capturePath, CAPTURE_EXTENSION)
  return path.join(path.dirname(capturePath), `heapmark-${report}-${stem}${extension}`)
}

/** Output paths for each capture: `-o` is the file for one capture, the directory for several. */
export async function resolveOutputPaths(captures: readonly ReadCapture[], output: string | undefined, report: string, extension: string): Promise<string[]> {
  const defaults = captures.map((capture) => defaultOutputPath(capture.path, report, extension))
  if (output === undefined) return defaults
  if (captures.length === 1) return [output]
  const existing = await stat(output).catch(() => undefined)
  if (existing && !existing.isDirectory()) {
    throw new HeapmarkError('HEAPMARK_OUTPUT', `Output ${JSON.stringify(output)} is a file: with a directory of captures, -o must name a directory`)
  }
  await mkdir(output, { recursive: true })
  return defaults.map((file) => path.join(output, path.basename(file)))
}

/** Checks every output before writing any, so a refused run leaves no partial set of files behind. */
export async function checkOutputsFree(files: readonly string[], force: boolean): Promise<void> {
  if (force) return
  for (const file of files) {
    if (await stat(file).then(() => true, () => false)) throw outputExists(file)
  }
}

/** Writes a report file; refuses to replace an existing one unless `force`. */
export async function writeOutputFile(file: string, data: string | Uint8Array, force: boolean): Promise<void> {
  try {
    await writeFile(file, data, { flag: force ? 'w' : 'wx' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw outputExists(file)
    throw new HeapmarkError('HEAPMARK_OUTPUT', `Cannot write ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error })
  }
}

function outputExists(file: string): HeapmarkError {
  return new HeapmarkError('HEAPMARK_OUTPUT_EXISTS', `Output ${JSON.stringify(file)} already exists: pass --force to overwrite it, or -o to write elsewhere`)
}

/** Terminal colour for stdout: picocolors honours NO_COLOR, FORCE_COLOR and whether stdout is a TTY. */
export function stdoutColor(): boolean {
  return pc.isColorSupported
}

/** Prints the sections of text reports, one per capture, separated by a blank line. */
export function printSections(sections: readonly string[]): void {
  process.stdout.write(`${sections.join('\n\n')}\n`)
}
