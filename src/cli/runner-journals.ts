import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pc from 'picocolors'
import { JOURNAL_DIR_ENV } from '../core/oom/journal.js'
import { resolveOptions } from '../core/config/options.js'
import { reportFromJournals } from '../core/oom/journal-report.js'

export interface RunnerJournals {
  dir: string
  /**
   * After the command exits: when the runner's main process died before its report (its adapter
   * never marked the run reported), prints the report from the workers' journals. `interrupted`:
   * the user stopped the run (Ctrl-C); then nothing is reported.
   */
  finish(interrupted: boolean): Promise<void>
}

/**
 * `heapmark run` chooses the run's journal folder itself and names it in the command's environment
 * (JOURNAL_DIR_ENV): the folder then belongs to this process, which outlives the runner, so the
 * journals are still there to report from when the runner's main process dies.
 */
export function prepareRunnerJournals(env: NodeJS.ProcessEnv): RunnerJournals {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heapmark-journal-'))
  env[JOURNAL_DIR_ENV] = dir
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  return {
    dir,
    async finish(interrupted) {
      if (interrupted) return
      try {
        await reportFromJournals(dir, { log: (text) => console.log(text), warn: (text) => console.warn(text), color: pc.isColorSupported }, resolveOptions({}, env))
      } catch (error) {
        // The runner's own failure is what the user must see; this report is a bonus.
        console.error(`heapmark: could not report from the workers' journals: ${(error as Error).message}`)
      }
    },
  }
}
