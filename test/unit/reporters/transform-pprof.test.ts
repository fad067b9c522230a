import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { describe, expect, it } from 'vitest'
import { buildCallTree } from '../../../src/reporters/call-tree.js'
import { encodePprof } from '../../../src/reporters/transform-pprof.js'
import { makeCapture, sampleTree } from '../../helpers/captures.js'

describe('pprof transform', () => {
  const capture = makeCapture(sampleTree())
  const profile = Profile.decode(gunzipSync(encodePprof(capture)))
  const str = (index: number | bigint) => profile.stringTable.strings[Number(index)]!

  it('has Go heap-profile sample types and the sampling period', () => {
    expect(profile.sampleType.map((type) => `${str(type.type)}/${str(type.unit)}`)).toEqual(['alloc_objects/count', 'alloc_space/bytes'])
    expect(str(profile.defaultSampleType)).toBe('alloc_space')
    expect(`${str(profile.periodType!.type)}/${str(profile.periodType!.unit)}`).toBe('space/bytes')
    expect(Number(profile.period)).toBe(16384)
    expect(Number(profile.timeNanos)).toBe(Date.parse('2025-01-02T03:04:05.000Z') * 1e6)
  })

  it('keeps the capture totals', () => {
    const tree = buildCallTree(capture)
    const totals = profile.sample.reduce((acc, sample) => [acc[0]! + Number(sample.value[0]), acc[1]! + Number(sample.value[1])], [0, 0])
    expect(totals).toEqual([tree.root.totalCount, tree.root.totalBytes])
  })

  it('has a location per frame with function name, file and line; stacks leaf first', () => {
    const locations = new Map(profile.location.map((location) => [Number(location.id), location]))
    const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]))
    const describe = (id: number | bigint) => {
      const line = locations.get(Number(id))!.line[0]!
      const fn = functions.get(Number(line.functionId))!
      return `${str(fn.name)} ${str(fn.filename)}:${Number(line.line)}`
    }
    const biggest = profile.sample.find((sample) => Number(sample.value[1]) === 5 * 1024 * 1024)!
    expect(biggest.locationId.map(describe)).toEqual([
      'toCsv src/csv.ts:3',
      'callFn node_modules/@vitest/runner/dist/index.js:50',
      'runTest node_modules/@vitest/runner/dist/index.js:100',
    ])
    expect(new Set(profile.location.map((location) => Number(location.id))).size).toBe(profile.location.length)
    expect(profile.comment.map(str)).toContain('heapmark capture of test/app.test.ts > app > builds')
  })
})
