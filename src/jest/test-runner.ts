/**
 * The test runner `heapmark run -- jest` passes to Jest (`--testRunner`), so a project measures
 * without a heapmark line in its config. It wraps the project's own runner (jest-circus), named by
 * project id in HEAPMARK_JEST_TEST_RUNNERS: Jest hands a test runner the environment instance it
 * built for the file, whichever it is (the configured one, jsdom, a custom class, or the one a
 * `@jest-environment` docblock asked for), and heapmark adds its event handler to that instance
 * before circus reads it. The environment and the reporters stay the project's own.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import type { JestEnvironment } from '@jest/environment'
import type { Config } from '@jest/types'
import { HeapmarkError } from '../errors.js'
import { TEST_RUNNERS_ENV } from './run-settings.js'
import { isMeasured, measureEnvironment } from './with-heapmark.js'

type TestRunner = (
  globalConfig: Config.GlobalConfig,
  config: Config.ProjectConfig,
  environment: JestEnvironment,
  runtime: unknown,
  testPath: string,
  sendMessageToJest?: unknown,
) => Promise<unknown>

const requireHere = createRequire(import.meta.url)

const heapmarkTestRunner: TestRunner = async (globalConfig, config, environment, runtime, testPath, sendMessageToJest) => {
  const runTests = projectRunner(config)
  // A heapmark environment from the config measures itself.
  const file = isMeasured(environment) ? undefined : measureEnvironment(environment, { globalConfig, projectConfig: config }, testPath)
  try {
    return await runTests(globalConfig, config, environment, runtime, testPath, sendMessageToJest)
  } finally {
    // Before Jest tears the environment down, as withHeapmark's teardown does.
    await file?.finish()
  }
}
export default heapmarkTestRunner

function projectRunner(config: Config.ProjectConfig): TestRunner {
  let runners: Record<string, string> = {}
  try {
    runners = JSON.parse(process.env[TEST_RUNNERS_ENV] ?? '{}') as Record<string, string>
  } catch {
    // Unreadable: fall back to Jest's default runner below.
  }
  const file = runners[config.id] ?? requireFrom(config.rootDir).resolve('jest-circus/runner')
  const loaded = requireHere(file) as TestRunner | { default?: TestRunner }
  const runner = typeof loaded === 'function' ? loaded : loaded.default
  if (typeof runner !== 'function') throw new HeapmarkError('HEAPMARK_JEST_CONFIG', `heapmark: the test runner ${file} exports no function`)
  return runner
}

function requireFrom(rootDir: string): NodeJS.Require {
  return createRequire(path.join(rootDir, 'package.json'))
}
