import { isHeapmarkError } from '../errors.js'
import type { Command } from './command.js'
import { compareCommand } from './commands/compare.js'
import { flamegraphCommand } from './commands/flamegraph.js'
import { mergeCommand } from './commands/merge.js'
import { runCommand } from './commands/run.js'
import { statsCommand } from './commands/stats.js'
import { summaryCommand } from './commands/summary.js'
import { tableCommand } from './commands/table.js'
import { timelineCommand } from './commands/timeline.js'
import { transformCommand } from './commands/transform.js'
import { treeCommand } from './commands/tree.js'
import { heapmarkVersion } from '../version.js'


const COMMANDS: Record<string, Command> = {
  run: runCommand,
  flamegraph: flamegraphCommand,
  stats: statsCommand,
  summary: summaryCommand,
  table: tableCommand,
  tree: treeCommand,
  transform: transformCommand,
  compare: compareCommand,
  merge: mergeCommand,
  timeline: timelineCommand,
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  return `heapmark ${heapmarkVersion()}: memory profiling and memory assertions for test suites\n\nUsage: heapmark <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "heapmark <command> --help" for a command's options.`
}

/**
 * The one place that turns errors into messages and exit codes: 0 ok, 1 a user error (bad flag
 * value, bad path), 2 misuse (unknown command or flag, missing argument), anything else is the child runner's own code.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v') {
    console.log(heapmarkVersion())
    return 0
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`heapmark: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (error) {
    if (isHeapmarkError(error)) {
      console.error(`heapmark ${name}: ${error.message}`)
      // A wrong command line (unknown flag, missing argument) is misuse; the rest are user errors.
      return error.code === 'HEAPMARK_CLI_USAGE' ? 2 : 1
    }
    throw error
  }
}
