import { describe, expect, it } from 'vitest'
import { missingAdapterHint } from '../../../src/cli/setup-hint.js'

describe('heapmark run: the set-up hint for the runner the command starts', () => {
  it.each([['jest'], ['npx', 'jest', '--ci'], ['node', 'node_modules/jest/bin/jest.js'], ['yarn', 'jest']])('Jest: %s', (...command) => {
    expect(missingAdapterHint(command)).toContain("reporters: ['default', 'heapmark/jest/reporter']")
  })

  it.each([['vitest', 'run'], ['npx', 'vitest'], ['npm', 'test'], ['vitest', '--testNamePattern', 'jest']])('Vitest otherwise: %s', (...command) => {
    expect(missingAdapterHint(command)).toContain("import { heapmark } from 'heapmark/vitest'")
    expect(missingAdapterHint(command)).toContain('--import heapmark/node/register')
  })

  it.each([['node', '--test'], ['/usr/bin/node', '--test-concurrency=2', '--test', 'test/']])('node:test: %s', (...command) => {
    expect(missingAdapterHint(command)).toContain('node ran no test with heapmark loaded')
  })
})
