import { describe, expect, it } from 'vitest'
import { buildSpeedscope, renderSpeedscope, SPEEDSCOPE_SCHEMA } from '../../../src/reporters/transform-speedscope.js'
import { makeCapture, sampleTree } from '../../helpers/captures.js'
import { buildCallTree } from '../../../src/reporters/call-tree.js'

describe('speedscope transform', () => {
  const capture = makeCapture(sampleTree())
  const file = buildSpeedscope(capture)

  it('writes a sampled profile in bytes with the schema fields speedscope checks', () => {
    expect(file).toMatchObject({ $schema: SPEEDSCOPE_SCHEMA, name: 'test/app.test.ts > app > builds', exporter: 'heapmark@0.1.0', activeProfileIndex: 0 })
    expect(file.profiles).toHaveLength(1)
    const [profile] = file.profiles
    expect(profile).toMatchObject({ type: 'sampled', unit: 'bytes', startValue: 0 })
    expect(profile!.samples).toHaveLength(profile!.weights.length)
    const total = buildCallTree(capture).root.totalBytes
    expect(profile!.weights.reduce((a, b) => a + b, 0)).toBe(total)
    expect(profile!.endValue).toBe(total)
  })

  it('gives stacks outermost first over shared, de-duplicated frames', () => {
    const { frames } = file.shared
    const names = (stack: number[]) => stack.map((index) => frames[index]!.name)
    // Biggest path first; V8's "(root)" pseudo-frame is left out.
    expect(names(file.profiles[0]!.samples[0]!)).toEqual(['runTest', 'callFn', 'toCsv'])
    expect(frames.filter((frame) => frame.name === 'callFn')).toHaveLength(1)
    expect(frames.find((frame) => frame.name === 'toCsv')).toEqual({ name: 'toCsv', file: 'src/csv.ts', line: 3, col: 1 })
    expect(frames.find((frame) => frame.name === '(root)')).toBeUndefined()
    expect(frames.find((frame) => frame.name === 'JSON.parse')).toEqual({ name: 'JSON.parse', file: 'node:internal/json', line: 1, col: 1 })
  })

  it('renders JSON', () => {
    expect(JSON.parse(renderSpeedscope(capture))).toEqual(file)
  })
})
