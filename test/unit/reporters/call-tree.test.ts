import { describe, expect, it } from 'vitest'
import { aggregateFunctions, buildCallTree, NODE_HEAP_PROF_INTERVAL } from '../../../src/reporters/call-tree.js'
import { frameLabel, toDisplayFrame } from '../../../src/reporters/frames.js'
import { makeCapture, sampleTree, scaledSample } from '../../helpers/captures.js'

const S = { tiny: scaledSample(40), small: scaledSample(1000), medium: scaledSample(3000), large: scaledSample(300 * 1024), huge: scaledSample(5 * 1024 * 1024) }
const TOTAL = 3 * S.tiny + S.small + 6 * S.tiny + S.large + S.medium + S.huge + S.small

describe('buildCallTree', () => {
  it('sums bytes up the tree and orders children biggest first', () => {
    const tree = buildCallTree(makeCapture(sampleTree()))
    expect(tree.root.totalBytes).toBe(TOTAL)
    const callFn = tree.root.children[0]!.children[0]!
    expect(callFn.children.map((child) => child.frame.functionName)).toEqual(['toCsv', 'buildTable', 'lodashClone'])
    const buildTable = callFn.children[1]!
    expect(buildTable.selfBytes).toBe(3 * S.tiny + S.small)
    expect(buildTable.totalBytes).toBe(3 * S.tiny + S.small + 6 * S.tiny + S.large + S.medium)
  })

  it('decodes allocation counts from the scaled samples', () => {
    const tree = buildCallTree(makeCapture(sampleTree()))
    const toCsv = tree.root.children[0]!.children[0]!.children[0]!
    expect(toCsv.selfCount).toBe(1)
    expect(tree.samplingInterval).toBe(16 * 1024)
    expect(tree.intervalAssumed).toBe(false)
    expect(tree.decodedSamples).toContainEqual({ size: 5 * 1024 * 1024, count: 1, bytes: S.huge })
  })

  it("assumes node --heap-prof's interval for a plain profile", () => {
    const tree = buildCallTree(makeCapture(sampleTree(), { metadata: false }))
    expect(tree).toMatchObject({ samplingInterval: NODE_HEAP_PROF_INTERVAL, intervalAssumed: true })
  })
})

describe('aggregateFunctions', () => {
  it('counts a recursive function once per stack for its total', () => {
    const capture = makeCapture([
      { fn: 'walk', line: 5, allocs: [1000], children: [{ fn: 'walk', line: 5, allocs: [1000], children: [{ fn: 'leaf', allocs: [3000] }] }] },
    ])
    const walk = aggregateFunctions(buildCallTree(capture)).find((entry) => entry.frame.functionName === 'walk')!
    expect(walk.selfBytes).toBe(2 * S.small)
    expect(walk.totalBytes).toBe(2 * S.small + S.medium)
  })
})

describe('display frames', () => {
  it('makes paths project-relative, lines 1-based, and sorts frames into kinds', () => {
    const frame = (url: string, functionName = 'f', scriptId = '5') => toDisplayFrame({ functionName, scriptId, url, lineNumber: 9, columnNumber: 2 }, '/project')
    expect(frame('file:///project/src/a.ts')).toMatchObject({ file: 'src/a.ts', line: 10, column: 3, kind: 'user' })
    expect(frame('file:///elsewhere/b.ts')).toMatchObject({ file: '/elsewhere/b.ts', kind: 'user' })
    expect(frame('file:///project/node_modules/x/i.js')).toMatchObject({ file: 'node_modules/x/i.js', kind: 'dependency' })
    expect(frame('node:internal/util')).toMatchObject({ file: 'node:internal/util', kind: 'node' })
    expect(frame('', '(V8 API)', '0')).toMatchObject({ file: '', kind: 'node' })
    expect(frame('', '', '81')).toMatchObject({ functionName: '(anonymous)', kind: 'user' })
    expect(frameLabel(frame('file:///project/src/a.ts', 'parse'))).toBe('parse (src/a.ts:10)')
    expect(frameLabel(toDisplayFrame({ functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, undefined))).toBe('(root)')
  })
})
