import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'

export default defineConfig({
  // Off unless switched on: `heapmark run -- vitest run`, HEAPMARK=1, or heapmark({ enabled: true }).
  plugins: [heapmark()],
})
