/**
 * `testEnvironment: 'heapmark/jest/jsdom'`: Jest's jsdom environment (jest-environment-jsdom, which
 * Jest does not install by itself), measured by heapmark.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment'
import { createEnvironment } from './base-environment.js'

export default class HeapmarkJsdomEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    return createEnvironment('jest-environment-jsdom', config, context)
  }
}
export { HeapmarkJsdomEnvironment as TestEnvironment }
