/** Browser-mode fixtures: Vitest's Playwright provider on Debian's Chromium (CI installs it with apt). */
import { existsSync } from 'node:fs'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** Source of a `test.browser` object for a fixture config (needs `import { playwright } from '@vitest/browser-playwright'`). */
export function chromiumBrowser(): string {
  return `{ enabled: true, headless: true, screenshotFailures: false, provider: playwright({ launchOptions: { executablePath: ${JSON.stringify(CHROMIUM)}, args: ['--no-sandbox'] } }), instances: [{ browser: 'chromium' }] }`
}

/** A vitest.config.ts with heapmark and the given test options (TypeScript object-literal source). */
export function browserConfig(pluginOptions: string, testOptions: string): string {
  return [
    `import { defineConfig } from 'vitest/config'`,
    `import { playwright } from '@vitest/browser-playwright'`,
    `import { heapmark } from 'heapmark/vitest'`,
    `export default defineConfig({ plugins: [heapmark(${pluginOptions})], test: ${testOptions} })`,
    '',
  ].join('\n')
}
