import type { JournalEntry } from './journal.js'
import type { WorkerIncident } from '../report/model.js'

/** A worker whose live memory reached this share of its heap limit is reported even if it lived. */
export const NEAR_HEAP_LIMIT_SHARE = 0.85

/**
 * Workers that died before their results arrived, or came close to their heap limit, from their
 * journals: the test each was running, and the tests before it with what they left alive.
 */
export function findWorkerIncidents(journals: ReadonlyMap<string, JournalEntry[]>, hasResult: (id: string) => boolean): WorkerIncident[] {
  const incidents: WorkerIncident[] = []
  for (const [worker, entries] of journals) {
    let heapLimit = 0
    const tests = new Map<string, { name: string; file: string; liveAtStart: number; peakBytes?: number; retainedBytes?: number; ended: boolean }>()
    let last: string | undefined
    let maxLive = { bytes: 0, before: '' }
    let nearLimit: WorkerIncident['nearLimit']
    for (const entry of entries) {
      if ('heapLimit' in entry) heapLimit = entry.heapLimit
      else if ('nearLimit' in entry) {
        const during = tests.get(entry.nearLimit)?.name
        nearLimit = { liveBytes: entry.live, ...(during !== undefined ? { duringTest: during } : {}), sites: entry.sites, ...(entry.profileMs !== undefined ? { profileMs: entry.profileMs } : {}) }
      }
      else if ('start' in entry) {
        tests.set(entry.start, { name: entry.name, file: entry.file, liveAtStart: entry.live, ended: false })
        last = entry.start
        if (entry.live > maxLive.bytes) maxLive = { bytes: entry.live, before: entry.name }
      } else if ('end' in entry) {
        const test = tests.get(entry.end)
        if (test) Object.assign(test, { ended: true, peakBytes: entry.peak })
      } else if ('retained' in entry) {
        const test = tests.get(entry.retained)
        if (test) test.retainedBytes = entry.bytes
      }
    }
    const running = last !== undefined && !tests.get(last)!.ended ? tests.get(last)! : undefined
    const lost = [...tests].filter(([id, test]) => test.ended && !hasResult(id)).length
    const died = running !== undefined || lost > 0
    const near = nearLimit !== undefined || (heapLimit > 0 && maxLive.bytes >= heapLimit * NEAR_HEAP_LIMIT_SHARE)
    if (!died && !near) continue
    const list = [...tests.values()].map((test) => ({
      name: test.name,
      file: test.file,
      ...(test.peakBytes !== undefined ? { peakBytes: test.peakBytes } : {}),
      ...(test.retainedBytes !== undefined ? { retainedBytes: test.retainedBytes } : {}),
    }))
    incidents.push({
      worker,
      kind: died ? 'died' : 'near-heap-limit',
      heapLimitBytes: heapLimit,
      ...(running ? { runningTest: { name: running.name, file: running.file, liveBytesAtStart: running.liveAtStart } } : {}),
      maxLive: { bytes: maxLive.bytes, beforeTest: maxLive.before },
      resultsLost: lost,
      tests: list,
      ...(nearLimit ? { nearLimit } : {}),
    })
  }
  return incidents
}
