import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    // Copies the built package where e2e fixtures resolve it and creates this run's fixture folder.
    globalSetup: ['test/helpers/global-setup.ts'],
    // e2e tests spawn whole Vitest runs; each is slow but independent.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
