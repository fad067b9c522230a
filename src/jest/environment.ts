/**
 * `testEnvironment: 'heapmark/jest/environment'`: Jest's node environment, measured by heapmark.
 * (A class whose constructor returns the wrapped environment: Jest uses the object returned.) Also
 * exported as `TestEnvironment`, like Jest's own environment packages.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment'
import { createEnvironment } from './base-environment.js'

export default class HeapmarkNodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    return createEnvironment('jest-environment-node', config, context)
  }
}
export { HeapmarkNodeEnvironment as TestEnvironment }
