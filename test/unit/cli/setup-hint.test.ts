import { describe, expect, it } from 'vitest'
import { looksLikeJest, missingAdapterHint } from '../../../src/cli/setup-hint.js'

describe('heapmark run: the set-up hint for the runner the command starts', () => {
  // heapmark run switches these on itself (no hint is ever printed for them).
  it.each([['jest'], ['npx', 'jest', '--ci'], ['node', 'node_modules/jest/bin/jest.js'], ['yarn', 'jest']])('Jest, run through heapmark itself: %s', (...command) => {
    expect(looksLikeJest(command)).toBe(true)
  })

  it.each([['vitest', 'run'], ['npm', 'test'], ['vitest', '--testNamePattern', 'jest']])('not Jest: %s', (...command) => {
    expect(looksLikeJest(command)).toBe(false)
  })

  it.each([['vitest', 'run'], ['npx', 'vitest'], ['npm', 'test'], ['vitest', '--testNamePattern', 'jest']])('Vitest otherwise: %s', (...command) => {
    expect(missingAdapterHint(command)).toContain("import { heapmark } from 'heapmark/vitest'")
    expect(missingAdapterHint(command)).toContain('--import heapmark/node/register')
    // A Jest suite behind an npm script: say how to run Jest through heapmark.
    expect(missingAdapterHint(command)).toContain('heapmark run -- jest')
  })

  it.each([['node', '--test'], ['/usr/bin/node', '--test-concurrency=2', '--test', 'test/']])('node:test: %s', (...command) => {
    expect(missingAdapterHint(command)).toContain('node ran no test with heapmark loaded')
  })
})
