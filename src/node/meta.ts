/** The runner name heapmark records for node:test runs (report, JSON, captures). */
export const RUNNER_NAME = 'node:test'
