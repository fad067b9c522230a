import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'

// bench/fixtures/suite's tests, with a setup file counting GCs (bench/live-peak.mjs).
export default defineConfig({ plugins: [heapmark()], test: { setupFiles: ['./gc-count.setup.ts'] } })
