import { prepareCaptureDir } from '../capture/writer.js'
import { historyPathFor } from '../history/history.js'
import type { ResolvedHeapmarkOptions } from '../config/options.js'
import { prepareOutputFile } from './output-file.js'

/**
 * Checks (and creates the directories of) everything the run will write, before any test runs: a
 * bad capture directory, JSON path or history path stops the run at once with a clear error
 * instead of surfacing after the suite. Returns the options with those paths made absolute. The
 * same steps as the Vitest plugin's; for adapters that prepare a run in more than one place.
 */
export function prepareRunOutputs(options: ResolvedHeapmarkOptions, rootDir: string): ResolvedHeapmarkOptions {
  const prepared = { ...options }
  if (prepared.binPath) prepared.binPath = prepareCaptureDir(prepared.binPath)
  if (prepared.json) prepared.json = prepareOutputFile(prepared.json, 'JSON report (json)')
  // The default history file is best effort; one the user named or relies on must work.
  if (prepared.historyPath || prepared.failOnIncrease) {
    prepared.historyPath = prepareOutputFile(historyPathFor(prepared.historyPath, rootDir), 'history file (historyPath)')
  }
  return prepared
}
