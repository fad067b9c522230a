import path from 'node:path'
import { formatSize } from '../config/size.js'
import { memoryFacts, memoryFactsLine } from './memory-facts.js'
import type { TestMemoryResult } from './model.js'

/** Where a test is declared: `file` relative to the project root, line and column 1-based. */
export interface TestLocation {
  line: number
  column?: number
}

/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`) for the tests that failed on
 * memory: over their limit, or grown past --fail-on-increase's tolerance. GitHub shows them on the
 * pull request's diff at the test and in the run's annotations list.
 *
 * They carry the memory facts, not the failure: a runner's own GitHub output (Vitest's
 * github-actions reporter) annotates failures at a stack frame of the error, and heapmark's
 * failures have no frame (their stack is the message alone, to keep heapmark's code out of the
 * failure output), so these are the only annotations a memory failure gets.
 */
export function githubAnnotations(tests: readonly TestMemoryResult[], rootDir: string, locate: (test: TestMemoryResult) => TestLocation | undefined): string[] {
  const lines: string[] = []
  for (const test of tests) {
    const overLimit = test.limit?.exceeded === true
    const grew = test.increase?.exceeded === true
    if (!overLimit && !grew) continue
    const location = locate(test)
    const properties: Record<string, string> = { file: path.resolve(rootDir, test.file) }
    if (location) {
      properties.line = String(location.line)
      if (location.column !== undefined) properties.col = String(location.column)
    }
    properties.title = `heapmark: ${overLimit ? 'over its memory limit' : `${test.increase?.measure === 'live' ? 'live peak' : 'peak'} grew past --fail-on-increase`}`
    const message = [test.name, memoryFactsLine(memoryFacts(test))]
    const site = test.sites[0]
    const frame = site?.frames[0]
    if (site && frame) message.push(`biggest allocating function: ${frame.functionName} at ${frame.file}:${frame.line} -> ${formatSize(site.bytes)}`)
    lines.push(workflowCommand('error', properties, message.join('\n')))
  }
  return lines
}

/** `::command key=value,…::message`, escaped as GitHub's toolkit escapes them (@actions/core). */
function workflowCommand(command: string, properties: Record<string, string>, message: string): string {
  const props = Object.entries(properties).map(([key, value]) => `${key}=${escapeProperty(value)}`).join(',')
  return `::${command} ${props}::${escapeData(message)}`
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
