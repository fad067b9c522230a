import { mkdirSync, renameSync, statSync, writeFileSync, accessSync, constants, rmSync } from 'node:fs'
import path from 'node:path'
import { HeapmarkError } from '../../errors.js'
import { CAPTURE_EXTENSION, type Capture } from './format.js'

const MAX_NAME_LENGTH = 120

/**
 * A capture file name from the test's display name: readable, safe on every file system, and
 * unique (a short hash of the test id), e.g. `api.test.ts--users--creates-a-user-3f2a1c9e.heapprofile`.
 */
export function captureFileName(prefix: string, testName: string, testId: string): string {
  const readable = testName
    .replace(/\s*>\s*/g, '--')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{3,}/g, '--')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_NAME_LENGTH)
  const hash = fnv1a(testId).toString(16).padStart(8, '0')
  return `${prefix}${readable}-${hash}${CAPTURE_EXTENSION}`
}

/** 32-bit FNV-1a: enough to keep file names of different tests apart, without loading node:crypto in every worker. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/** Checks (and creates) the capture directory before any test runs, so a bad path fails the run early. */
export function prepareCaptureDir(dir: string): string {
  const resolved = path.resolve(dir)
  let stats
  try {
    stats = statSync(resolved)
  } catch {
    try {
      mkdirSync(resolved, { recursive: true })
    } catch (error) {
      throw new HeapmarkError('HEAPMARK_OUTPUT', `Cannot create the capture directory ${JSON.stringify(resolved)} (binPath): ${(error as Error).message}`, { cause: error })
    }
    return resolved
  }
  if (!stats.isDirectory()) {
    throw new HeapmarkError('HEAPMARK_OUTPUT', `The capture path ${JSON.stringify(resolved)} (binPath) is a file: expected a directory (it is created if missing)`)
  }
  try {
    accessSync(resolved, constants.W_OK)
  } catch {
    throw new HeapmarkError('HEAPMARK_OUTPUT', `The capture directory ${JSON.stringify(resolved)} (binPath) is not writable`)
  }
  return resolved
}

/** Writes a capture atomically: a temporary file in the same directory, then a rename. */
export function writeCapture(dir: string, fileName: string, capture: Capture): string {
  const target = path.join(dir, fileName)
  const temporary = path.join(dir, `.${fileName}.${process.pid}.${Date.now()}.tmp`)
  try {
    writeFileSync(temporary, JSON.stringify(capture))
    renameSync(temporary, target)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw new HeapmarkError('HEAPMARK_OUTPUT', `Cannot write the capture ${JSON.stringify(target)}: ${(error as Error).message}`, { cause: error })
  }
  return target
}
