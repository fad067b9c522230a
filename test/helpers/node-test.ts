/**
 * node:test fixture runs: real `node --test` (the env's Node binary, so the vitest5 env tests
 * node:test on Node 24) in a fixture folder made by runFixture, which resolves `heapmark` to the
 * harness's copy of the built package.
 */
import { expect } from 'vitest'
import { runFixture, type FixtureRun } from './run-fixture.js'

/** Loads heapmark into every test process. */
export const REGISTER = ['--import', 'heapmark/node/register']

/** spec for the tests, then heapmark's report, both on stdout (node:test needs one destination per reporter). */
export const REPORTERS = [
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=heapmark/node/reporter', '--test-reporter-destination=stdout',
]

/** `node <args>` in a fresh fixture made of `files`. */
export function runNodeTest(files: Record<string, string>, args: string[], env: Record<string, string> = {}): Promise<FixtureRun> {
  return runFixture(files, args, { command: 'node', env })
}

/**
 * The text spec prints for a failed test: its entry in the "failing tests" list at the end, with
 * the error (Node 20 also prints the error inline, Node 24 only there).
 */
export function failureOf(run: FixtureRun, name: string): string {
  const start = run.output.lastIndexOf(`✖ ${name} (`)
  expect(start, `no failure for "${name}" in:\n${run.output}`).toBeGreaterThan(-1)
  return run.output.slice(start, start + 1200)
}
