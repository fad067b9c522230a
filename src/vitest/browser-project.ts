/**
 * Browser-mode projects (Vitest's `test.browser`), main-process side. heapmark measures them in
 * the page through the Chrome DevTools Protocol, which only Chromium under the Playwright provider
 * offers here: those get heapmark's browser setup file; any other browser or provider is named
 * once and left unmeasured (its tests run as usual, limit wrappers only run the body).
 */
import { fileURLToPath } from 'node:url'
import type { TestProject, Vitest } from 'vitest/node'
import { createAttributeCommand } from './browser-attribution.js'
import { ATTRIBUTE_COMMAND } from './browser/state.js'

const BROWSER_SETUP_PATH = fileURLToPath(new URL('./browser/setup.js', import.meta.url))
const CDP_BROWSERS = new Set(['chromium', 'chrome', 'edge'])
/** Per process, not per module copy: the config file is loaded again for every project. */
const WARNED = Symbol.for('heapmark.browser-warned')

interface BrowserConfig {
  enabled?: boolean
  name?: string
  provider?: { name?: string }
  commands?: Record<string, unknown>
}

export function isBrowserProject(project: TestProject): boolean {
  return (project.config as { browser?: BrowserConfig }).browser?.enabled === true
}

/**
 * Sets a browser project up for measuring. Returns false (after a one-time message) when its
 * browser cannot be measured.
 */
export function setUpBrowserProject(project: TestProject, vitest: Vitest): boolean {
  const config = project.config as { browser?: BrowserConfig }
  const browser = config.browser ?? {}
  const name = browser.name ?? 'unknown'
  const provider = browser.provider?.name ?? 'unknown'
  if (provider !== 'playwright' || !CDP_BROWSERS.has(name)) {
    warnOnce(
      vitest,
      `${provider}/${name}`,
      `heapmark: browser project "${project.name || name}" runs in ${name} (${provider} provider), which heapmark cannot measure: it reads the page's memory through the Chrome DevTools Protocol, available with Playwright and Chromium only. Its tests run as usual, without peaks, totals, limitMemory or limitLeaks checks (the limit wrappers just run the test).`,
    )
    return false
  }
  if (!project.config.setupFiles.includes(BROWSER_SETUP_PATH)) project.config.setupFiles.unshift(BROWSER_SETUP_PATH)
  return true
}

/**
 * Registers heapmark's browser command in a Vite config's `test.browser` (from the plugin's config
 * hook: Vitest has read the commands by the time configureVitest runs). Unused outside browser mode.
 */
export function addBrowserCommands(config: { test?: { browser?: BrowserConfig; projects?: unknown } }): void {
  const browser = config.test?.browser
  if (browser) browser.commands = { ...browser.commands, [ATTRIBUTE_COMMAND]: createAttributeCommand() }
  // Inline projects of a root config: those without `extends: true` never see the root plugin's
  // hooks, so their browser settings get the command from here.
  const projects = config.test?.projects
  if (!Array.isArray(projects)) return
  for (const project of projects as unknown[]) {
    if (project && typeof project === 'object') addBrowserCommands(project as { test?: { browser?: BrowserConfig } })
  }
}

/** Adds heapmark's own folder to Vite's `server.fs.allow` (read when files are served). */
export function allowPackageFiles(config: { server?: { fs?: { allow?: string[] } } }, packageRoot: string): void {
  const allow = config.server?.fs?.allow
  if (allow && !allow.includes(packageRoot)) allow.push(packageRoot)
}

function warnOnce(vitest: Vitest, key: string, message: string): void {
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>
  const warned = (holder[WARNED] ??= new Set())
  if (warned.has(key)) return
  warned.add(key)
  vitest.logger.warn(message)
}
