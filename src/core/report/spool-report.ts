import { claimSpool, collectSpool, spoolJournalDir, type SpoolSummary } from '../record-spool.js'
import type { ResolvedHeapmarkOptions } from '../options.js'
import { ReportCollector, type RunOutput } from './collector.js'

/**
 * The end of a run whose results came through a spool (see record-spool.ts): the same report,
 * JSON file and history as any other run. Returns undefined when another reader (the runner's
 * reporter, say, before `heapmark run` gets to it) already reported this spool.
 */
export async function reportSpool(
  dir: string,
  options: ResolvedHeapmarkOptions,
  output: RunOutput,
  defaults: { runner: { name: string; version: string }; rootDir: string },
): Promise<SpoolSummary | undefined> {
  if (!claimSpool(dir)) return undefined
  let runner = defaults.runner
  const collector = new ReportCollector(options, () => runner, () => defaults.rootDir, spoolJournalDir(dir))
  const summary = collectSpool(dir, collector)
  // The test processes' Node may not be the reporting process's (`heapmark run -- /other/node --test`).
  if (summary.runner) runner = summary.runner
  await collector.finish(output)
  return summary
}
