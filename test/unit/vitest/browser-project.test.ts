/** Which browser projects heapmark measures, and the one-time message for those it cannot. */
import { describe, expect, test } from 'vitest'
import type { TestProject, Vitest } from 'vitest/node'
import { isBrowserProject, setUpBrowserProject } from '../../../src/vitest/browser-project.js'

function project(name: string, browser: string, provider: string): TestProject {
  return { name, config: { setupFiles: [], browser: { enabled: true, name: browser, provider: { name: provider } } } } as unknown as TestProject
}

function logger(): Vitest & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, logger: { warn: (text: string) => warnings.push(text) } } as unknown as Vitest & { warnings: string[] }
}

describe('setUpBrowserProject', () => {
  test('Chromium under Playwright gets the page setup file, once, before the user\'s', () => {
    const chromium = project('ui', 'chromium', 'playwright')
    chromium.config.setupFiles.push('/user/setup.ts')
    const vitest = logger()
    expect(setUpBrowserProject(chromium, vitest)).toBe(true)
    expect(setUpBrowserProject(chromium, vitest)).toBe(true)
    expect(chromium.config.setupFiles).toHaveLength(2)
    expect(chromium.config.setupFiles[0]).toMatch(/browser\/setup\.(js|ts)$/)
    expect(vitest.warnings).toEqual([])
  })

  test.each([
    ['firefox', 'playwright'],
    ['webkit', 'playwright'],
    ['chrome', 'webdriverio'],
  ])('%s under %s is named once and left unmeasured', (browser, provider) => {
    const vitest = logger()
    const unsupported = project(`ui-${browser}-${provider}-${Math.random()}`, browser, provider)
    expect(setUpBrowserProject(unsupported, vitest)).toBe(false)
    expect(setUpBrowserProject(project('again', browser, provider), vitest)).toBe(false)
    expect(unsupported.config.setupFiles).toEqual([])
    expect(vitest.warnings).toHaveLength(1)
    expect(vitest.warnings[0]).toContain(`runs in ${browser} (${provider} provider), which heapmark cannot measure`)
    expect(vitest.warnings[0]).toContain('without peaks, totals, limitMemory or limitLeaks checks')
  })

  test('only projects with browser mode enabled are browser projects', () => {
    expect(isBrowserProject(project('ui', 'chromium', 'playwright'))).toBe(true)
    expect(isBrowserProject({ config: { browser: { enabled: false } } } as unknown as TestProject)).toBe(false)
  })
})
