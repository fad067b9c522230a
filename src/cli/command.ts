/**
 * A CLI command: its name is its key in main.ts's COMMANDS; help text lives next to the code.
 * Its own module, so the commands (cli/commands/*) and the registry that imports them
 * (cli/main.ts) do not import each other.
 */
export interface Command {
  summary: string
  usage: string
  run(argv: string[]): Promise<number>
}
