import type { EnvironmentContext, JestEnvironment, JestEnvironmentConfig } from '@jest/environment'
import { createRequire } from 'node:module'
import path from 'node:path'
import { HeapmarkError } from '../errors.js'
import { environmentClassOf, withHeapmark, type JestEnvironmentClass } from './with-heapmark.js'

const requireHere = createRequire(import.meta.url)
const wrapped = new Map<string, JestEnvironmentClass>()

/**
 * heapmark's packaged environments (`heapmark/jest/environment`, `heapmark/jest/jsdom`) are
 * `withHeapmark(<Jest's environment>)`, with Jest's environment package found from the project
 * first (where Jest found it, also under pnpm's strict layout), then from heapmark's install.
 */
export function createEnvironment(packageName: string, config: JestEnvironmentConfig, context: EnvironmentContext): JestEnvironment {
  let Environment = wrapped.get(packageName)
  if (!Environment) {
    Environment = withHeapmark(environmentClassOf(loadPackage(packageName, config.projectConfig.rootDir), packageName))
    wrapped.set(packageName, Environment)
  }
  return new Environment(config, context)
}

export function loadPackage(packageName: string, rootDir: string): unknown {
  let resolved: string
  try {
    resolved = createRequire(path.join(rootDir, 'package.json')).resolve(packageName)
  } catch {
    try {
      resolved = requireHere.resolve(packageName)
    } catch {
      throw new HeapmarkError('HEAPMARK_JEST_ENVIRONMENT', `heapmark: cannot find ${JSON.stringify(packageName)}, which this test environment wraps (looked from ${JSON.stringify(rootDir)}, then from heapmark's install). Install it next to jest (npm install --save-dev ${packageName}).`)
    }
  }
  return requireHere(resolved)
}
