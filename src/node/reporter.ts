/**
 * heapmark's node:test reporter (the process that runs `node --test`): prints the end-of-run memory
 * report and writes the JSON report. Use it next to a reporter for the tests themselves:
 *
 *   node --import heapmark/node/register --test \
 *     --test-reporter=spec --test-reporter-destination=stdout \
 *     --test-reporter=heapmark/node/reporter --test-reporter-destination=stdout
 *
 * How results get here: through the run's result channel (core/run/result-channel.ts), which this
 * module opens as it loads, before node:test starts any test process, and names in the
 * environment they inherit; each test process sends every test as it ends, then its attribution
 * (core/run/streamed-results.ts). The alternative, `t.diagnostic()` messages through
 * node:test's own event stream, reaches every reporter of the run: `spec` would print each record
 * as an "ℹ heapmark:{…}" line unless heapmark replaced spec. The channel also works the same with
 * --test-isolation=none. Under `heapmark run` the channel is the wrapper's: this reporter joins it
 * and, reporting first, claims it.
 */
import { Transform, type TransformCallback } from 'node:stream'
import pc from 'picocolors'
import { resolveOptions } from '../core/config/options.js'
import { closeResultChannel } from '../core/run/result-channel.js'
import { openStreamedRun, reportStreamedRun, type StreamedRun } from '../core/run/streamed-results.js'
import { prepareRunOutputs } from '../core/run/run-outputs.js'
import { plural } from '../core/report/numbers.js'
import { isHeapmarkError } from '../errors.js'
import { RUNNER_NAME } from './meta.js'

interface TestEvent {
  type: string
  data?: { skip?: unknown; todo?: unknown; details?: { type?: string } }
}

/**
 * Runs as node:test loads its reporters, before any test process starts: bad options throw here and
 * stop the run with the message, and the channel must exist before test processes copy the
 * environment.
 */
function setUp(): StreamedRun | undefined {
  const rootDir = process.cwd()
  const options = resolveOptions({}, process.env)
  if (!options.enabled) return undefined
  return openStreamedRun(prepareRunOutputs(options, rootDir), { name: RUNNER_NAME, version: process.version }, rootDir)
}

function setUpOrExit(): StreamedRun | undefined {
  try {
    return setUp()
  } catch (error) {
    if (!isHeapmarkError(error)) throw error
    // Before any test process starts: stop the run with the message alone (a stack would only
    // point into heapmark).
    process.stderr.write(`heapmark: ${error.message}\n`)
    process.exit(1)
  }
}

const run = setUpOrExit()

/**
 * A Transform rather than an async generator: node:test hands every reporter every event of the
 * run, and an async generator gets each through an async iterator and a duplex wrapper, which cost
 * the `node --test` process ~14 ms for the bench's 120 tests, for events heapmark only counts.
 * node:test makes one instance per run from an exported class.
 */
export default class HeapmarkNodeReporter extends Transform {
  /** Tests that ran a body: with none measured, the report says how to load heapmark. */
  private ran = 0

  constructor() {
    super({ writableObjectMode: true })
  }

  override _transform(event: TestEvent, _encoding: BufferEncoding, callback: TransformCallback): void {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && isTestBody(event)) this.ran++
    callback()
  }

  override _flush(callback: TransformCallback): void {
    report(this.ran).then(
      (text) => {
        if (text) this.push(text)
        callback()
      },
      (error: unknown) => callback(error as Error),
    )
  }
}

/** The end-of-run report, once every test process is over (empty with heapmark off). */
async function report(ran: number): Promise<string> {
  if (!run) return ''
  const chunks: string[] = []
  const output = { log: (text: string) => chunks.push(`${text}\n`), color: pc.isColorSupported }
  try {
    const summary = await reportStreamedRun(run, output)
    if (summary && summary.tests === 0 && ran > 0) {
      chunks.unshift(
        `heapmark: node:test ran ${plural(ran, 'test')} but none was measured: load heapmark into the test processes with ` +
          '`node --import heapmark/node/register --test ...`, or run `heapmark run -- node --test ...`\n',
      )
    }
  } catch (error) {
    chunks.push(`heapmark: ${(error as Error).message}\n`)
  } finally {
    if (run.opened) closeResultChannel(run.dir)
  }
  // Other reporters of the run print their end-of-run summary from the same last event: let them
  // finish first, so the memory report comes after the test summary (node:test orders nothing
  // between reporters; this is what keeps the report last in practice).
  await new Promise((resolve) => setImmediate(resolve))
  return chunks.join('')
}

/** A test that ran a body of the user's: not a suite, a skipped test or a todo test. */
function isTestBody(event: TestEvent): boolean {
  const data = event.data
  return data?.details?.type !== 'suite' && !data?.skip && !data?.todo
}
