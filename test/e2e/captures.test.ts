/** Capture files per test (binPath / binPrefix), as written by a real Vitest run. */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import type { Capture } from '../../src/core/capture/format.js'

const MiB = 1024 * 1024
const longName = 'x'.repeat(150)
const files = {
  'src/grow.ts': `export function grow(mib: number): number[] {
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
`,
  'caps.test.ts': `import { describe, expect, test } from 'vitest'
import { grow } from './src/grow'
describe('captures', () => {
  test('keeps 16 MiB', () => { expect(grow(16).length).toBeGreaterThan(0) })
  test('odd name: <a/b> * "quoted"?', () => { expect(1).toBe(1) })
  test('${longName} one', () => { expect(1).toBe(1) })
  test('${longName} two', () => { expect(1).toBe(1) })
})
`,
}

describe(`captures (${matrix.name})`, () => {
  test('one .heapprofile per test, named from the test, prefixed, with metadata and mapped frames', async () => {
    const run = await runFixture({ 'vitest.config.ts': config(), ...files }, ['run', '--bin-path', 'out/caps', '--bin-prefix', 'ci-', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    expect(run.exitCode, run.output).toBe(0)
    const dir = path.join(run.dir, 'out/caps')
    expect(run.output).toContain(`capture files (.heapprofile, one per test) are in ${dir}`)
    const names = readdirSync(dir)
    expect(names).toHaveLength(4) // no temporary files left behind
    for (const name of names) {
      expect(name).toMatch(/^ci-caps\.test\.ts--captures--[A-Za-z0-9._-]+-[0-9a-f]{8}\.heapprofile$/)
      expect(name.length).toBeLessThan(160)
    }
    expect(names.filter((n) => n.includes('xxxxxxxx'))).toHaveLength(2) // shortened, still distinct
    const big = JSON.parse(readFileSync(path.join(dir, names.find((n) => n.includes('keeps-16-MiB'))!), 'utf8')) as Capture
    expect(big.heapmark).toMatchObject({ version: 1, name: 'caps.test.ts > captures > keeps 16 MiB', file: 'caps.test.ts', samplingInterval: 16384 })
    expect(big.heapmark.peakBytes / MiB).toBeGreaterThan(15.5)
    expect(big.heapmark.peakBytes / MiB).toBeLessThan(17)
    // Sample sizes are V8's scaled estimates: together they come close to what the test allocated.
    const sampled = big.samples.reduce((sum, s) => sum + s.size, 0) / MiB
    expect(sampled).toBeGreaterThan(12)
    expect(sampled).toBeLessThan(21)
    const frames: Capture['head'][] = []
    const walk = (node: Capture['head']) => { frames.push(node); node.children.forEach(walk) }
    walk(big.head)
    const grow = frames.find((n) => n.callFrame.functionName === 'grow')
    expect(grow?.callFrame.url).toBe(`file://${path.join(run.dir, 'src/grow.ts')}`)
    expect(grow?.callFrame.lineNumber).toBe(0) // 0-based, like V8's own profiles
    expect(grow!.selfSize / MiB).toBeGreaterThan(12)
    const ids = new Set(big.samples.map((s) => s.nodeId))
    for (const id of ids) expect(frames.some((n) => n.id === id)).toBe(true)
  })

  test('a bin path that is a file stops the run before any test', async () => {
    const run = await runFixture({ 'vitest.config.ts': config("{ enabled: true, binPath: 'taken' }"), taken: 'not a directory', ...files }, ['run', '--reporter=default'])
    expect(run.exitCode).not.toBe(0)
    expect(run.output).toMatch(/The capture path ".*taken" \(binPath\) is a file: expected a directory/)
    expect(run.output).not.toContain('keeps 16 MiB')
  })
})
