import { runFixture, type FixtureRun, type RunFixtureOptions } from './run-fixture.js'

/**
 * Fixture runs started together in beforeAll, at most `limit` at a time (2 cores), each awaited by
 * the test that asserts on it. (runFixture cleans up through onTestFinished, so fixtures must not
 * run inside concurrent tests: another test finishing would delete a folder still in use.)
 */
export function fixtureBatch(limit: number) {
  const jobs = new Map<string, () => Promise<FixtureRun>>()
  const runs = new Map<string, Promise<FixtureRun>>()
  return {
    /** A fixture run by its files and arguments, or any job producing a FixtureRun (e.g. with retries). */
    add(name: string, filesOrJob: Record<string, string> | (() => Promise<FixtureRun>), args: string[] = [], opts?: RunFixtureOptions) {
      jobs.set(name, typeof filesOrJob === 'function' ? filesOrJob : () => runFixture(filesOrJob, args, opts))
    },
    async start(): Promise<void> {
      const queue = [...jobs.entries()]
      const settled: Promise<unknown>[] = []
      const next = (): Promise<void> | undefined => {
        const job = queue.shift()
        if (!job) return undefined
        const run = job[1]()
        runs.set(job[0], run)
        settled.push(run.catch(() => {}))
        return run.then(next, next)
      }
      await Promise.all(Array.from({ length: limit }, next))
      await Promise.all(settled)
    },
    /** The run's result, or its error (a timeout, a spawn failure) thrown in the test that asks. */
    get(name: string): Promise<FixtureRun> {
      const run = runs.get(name)
      if (!run) throw new Error(`no fixture run named ${name}`)
      return run
    },
  }
}
