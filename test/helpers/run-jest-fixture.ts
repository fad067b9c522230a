/**
 * Real Jest runs of throwaway projects, like runFixture does for Vitest (see run-fixture.ts for
 * the layout). Jest is installed only in the repo's node_modules: a fixture in either env
 * (`<repo>/.tmp/e2e/...` or `<repo>/test/envs/vitest5/.tmp/e2e/...`) finds heapmark's copy in its
 * env's `.tmp/node_modules` and, walking further up, the repo's Jest; heapmark's copy finds
 * jest-environment-node/-jsdom the same way. The Node binary is the env's (Node 24 for vitest5).
 *
 * Fixtures are CommonJS projects (package.json without "type") with a jest.config.js; each run
 * gets its own Jest cache directory inside the fixture, so Jest has no timings from earlier runs
 * (with cached timings under 1 s, Jest runs small suites in band even with --maxWorkers=2).
 */
import { delimiter, join } from 'node:path'
import { childEnv, createFixtureDir, repoRoot, resolveE2eEnv, runNodeInFixture, type FixtureRun } from './run-fixture.js'

const env = resolveE2eEnv()
const jestBin = join(repoRoot, 'node_modules/jest/bin/jest.js')

export interface RunJestOptions {
  env?: Record<string, string>
  /** `heapmark`: run heapmark's CLI with `args` (e.g. `['run', '--', 'jest', ...]`). */
  command?: 'jest' | 'heapmark'
  timeoutMs?: number
}

/**
 * Source of a jest.config.js. Both arguments are JavaScript SOURCE: the heapmark reporter's
 * options (`"{ json: 'report.json' }"`) and extra config keys (`"testEnvironment: 'node',"`).
 * Reporters are always named: Jest picks its default reporter from the environment otherwise.
 */
export function jestConfig(reporterOptions = '{}', extra = ''): string {
  return [
    'module.exports = {',
    "  testEnvironment: 'heapmark/jest/environment',",
    `  reporters: ['default', ['heapmark/jest/reporter', ${reporterOptions}]],`,
    "  cacheDirectory: '<rootDir>/.jest-cache',",
    `  ${extra}`,
    '}',
    '',
  ].join('\n')
}

/** babel-jest with TypeScript (the usual Jest + TS set-up), for fixtures with .ts files. */
export const BABEL_TYPESCRIPT = `module.exports = { presets: ['@babel/preset-typescript'], plugins: ['@babel/plugin-transform-modules-commonjs'] }\n`

export async function runJestFixture(files: Record<string, string>, args: string[] = [], opts: RunJestOptions = {}): Promise<FixtureRun> {
  return runJestInDir(await createFixtureDir({ 'package.json': JSON.stringify({ name: 'jest-fixture', private: true }), ...files }), args, opts)
}

async function runJestInDir(dir: string, args: string[], opts: RunJestOptions): Promise<FixtureRun> {
  const bin = opts.command === 'heapmark' ? join(env.heapmarkCopy, 'dist/cli/bin.js') : jestBin
  // `heapmark run -- jest` finds the repo's jest on PATH (the vitest5 env has none of its own).
  const base = childEnv(opts.env)
  const extraEnv = { ...base, PATH: [base.PATH, join(repoRoot, 'node_modules/.bin')].join(delimiter) }
  return runNodeInFixture(dir, [bin, ...args], extraEnv, opts.timeoutMs, (nextArgs, nextOpts = {}) => runJestInDir(dir, nextArgs, nextOpts as RunJestOptions))
}
