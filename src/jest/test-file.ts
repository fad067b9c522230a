import path from 'node:path'
import type { Circus } from '@jest/types'
import { sendResults } from '../core/run/result-channel.js'
import type { ActiveTest } from '../core/measure/test-measurement.js'
import type { TestState } from '../core/report/model.js'
import type { TestRecord } from '../core/worker/test-result.js'
import type { TestIdentity } from '../core/worker/worker-session.js'
import type { JestFileBatch } from './run-settings.js'
import type { JestWorker } from './worker.js'

interface MeasuredTest {
  identity: TestIdentity
  active?: ActiveTest
  record?: TestRecord
  state: TestState
}

/**
 * One test file in a Jest worker: translates jest-circus events into the worker session's calls.
 * Only `test_fn_start` ... `test_fn_success`/`test_fn_failure` bracket the test body (hooks
 * excluded); `test_done` ends a measurement those did not (a safety net: circus always sends one
 * of them after a body it ran).
 * State is kept per circus test object: concurrent tests interleave their events.
 */
export class JestTestFile {
  private readonly tests = new Map<Circus.TestEntry, MeasuredTest>()
  /** Tests with the same full name, so each gets its own id. */
  private readonly seenNames = new Map<string, number>()
  private readonly file: string
  private finished = false

  constructor(private readonly worker: JestWorker, private readonly testPath: string) {
    this.file = path.relative(worker.rootDir, testPath).split(path.sep).join('/')
  }

  async handle(event: Circus.Event): Promise<void> {
    switch (event.name) {
      case 'test_fn_start': {
        // A failed beforeEach: circus still says "start" but skips the body.
        if (event.test.errors.length > 0) return
        const test = this.measured(event.test)
        test.active = this.worker.session.startTest(test.identity.id, test.identity)
        return
      }
      case 'test_fn_success':
        return this.endBody(event.test, true)
      case 'test_fn_failure':
        return this.endBody(event.test, false)
      case 'test_done': {
        await this.endBody(event.test, false)
        const test = this.tests.get(event.test)
        if (test) test.state = event.test.errors.length > 0 ? 'failed' : 'passed'
        return
      }
    }
  }

  /**
   * Call once when the file ends (environment teardown): reads the file's attribution, writes
   * captures and sends the file's results to the reporter. A file without measured tests is sent
   * too, so the reporter can tell it from a file that ran without heapmark's environment.
   */
  async finish(): Promise<void> {
    if (this.finished) return
    this.finished = true
    const measured = [...this.tests.values()].flatMap((test) => (test.record ? [{ identity: test.identity, record: test.record, state: test.state }] : []))
    const { attributions, retention } = await this.worker.session.finishFile(measured)
    const batch: JestFileBatch = {
      testPath: this.testPath,
      file: this.file,
      retention,
      // Literals, not spreads: once per test (Node 20 builds spreads slowly; docs/measuring.md).
      tests: measured.map(({ identity, record, state }) => {
        const attribution = attributions[identity.id]
        const test = { id: identity.id, name: identity.name, file: identity.file, state }
        return attribution ? { identity: test, record, attribution } : { identity: test, record }
      }),
    }
    this.tests.clear()
    sendResults(this.worker.dir, batch)
  }

  private async endBody(entry: Circus.TestEntry, bodyPassed: boolean): Promise<void> {
    const test = this.tests.get(entry)
    const active = test?.active
    if (!test || !active) return
    test.active = undefined
    const record = (test.record = this.worker.session.endTest(active))
    if (!bodyPassed) return
    try {
      await this.worker.session.checkTest(test.identity, active, record)
    } catch (error) {
      // Jest's way to fail a test from its environment: the error shows in its normal failure output.
      entry.errors.push(error)
    }
  }

  /** The test's measurement slot; its identity is fixed at its first attempt (retries reuse it). */
  private measured(entry: Circus.TestEntry): MeasuredTest {
    let test = this.tests.get(entry)
    if (!test) {
      const name = [this.file, ...describeNames(entry), entry.name].join(' > ')
      const seen = (this.seenNames.get(name) ?? 0) + 1
      this.seenNames.set(name, seen)
      const id = seen === 1 ? name : `${name} (${seen})`
      test = { identity: { id, name, file: this.file }, state: 'unknown' }
      this.tests.set(entry, test)
    }
    return test
  }
}

/** Names of the describe blocks around a test, outermost first (not circus' root block). */
function describeNames(entry: Circus.TestEntry): string[] {
  const names: string[] = []
  for (let block: Circus.DescribeBlock | undefined = entry.parent; block?.parent; block = block.parent) names.unshift(block.name)
  return names
}
