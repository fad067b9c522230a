import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { HeapmarkError } from '../../errors.js'

/**
 * Checks, before any test runs, that a file heapmark writes at the end of the run can be written:
 * finding out after a 20-minute suite that the report path was a directory loses the run's
 * results. Creates the parent directory. Returns the absolute path.
 */
export function prepareOutputFile(file: string, what: string): string {
  const resolved = path.resolve(file)
  const fail = (reason: string, cause?: unknown) =>
    new HeapmarkError('HEAPMARK_OUTPUT', `Cannot write the ${what} to ${JSON.stringify(resolved)}: ${reason}`, cause ? { cause } : undefined)
  if (statOrUndefined(resolved)?.isDirectory()) throw fail('it is a directory; give a file path')
  const directory = path.dirname(resolved)
  try {
    mkdirSync(directory, { recursive: true })
  } catch (error) {
    throw fail(`its directory cannot be created (${(error as Error).message})`, error)
  }
  try {
    accessSync(directory, constants.W_OK)
  } catch (error) {
    throw fail(`its directory ${directory} is not writable`, error)
  }
  return resolved
}

function statOrUndefined(file: string) {
  try {
    return statSync(file)
  } catch {
    return undefined
  }
}
