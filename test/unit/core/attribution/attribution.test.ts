/**
 * The accumulator's sites come from a site table that resolves each profile node once: the sites
 * and their sums must be what resolving every sample on its own gave, across tests that share nodes.
 */
import { expect, test } from 'vitest'
import { AttributionAccumulator, SiteTable, type AttributionSettings } from '../../../../src/core/attribution/attribution.js'
import type { PlacedSample, ProfileCallFrame, ProfileNode } from '../../../../src/core/attribution/heap-sampler.js'
import { createSampleDecoder } from '../../../../src/core/attribution/sample-size.js'
import type { SourceFrame } from '../../../../src/core/report/model.js'

const INTERVAL = 16 * 1024

function frame(functionName: string, line: number, url = '/project/src/work.ts'): ProfileCallFrame {
  return { functionName, url, lineNumber: line, columnNumber: 0 }
}

/** (root) > runTest > build > fill, and (root) > runTest > other > fill at the same position, and a builtin leaf under build. */
function profileTree() {
  const root: ProfileNode = { id: 1, callFrame: frame('(root)', 0, ''), children: [] }
  const runTest: ProfileNode = { id: 2, callFrame: frame('runTest', 10), children: [] }
  const build: ProfileNode = { id: 3, callFrame: frame('build', 20), children: [] }
  const other: ProfileNode = { id: 4, callFrame: frame('other', 30), children: [] }
  const fillFromBuild: ProfileNode = { id: 5, callFrame: frame('fill', 40), children: [] }
  const fillFromOther: ProfileNode = { id: 6, callFrame: frame('fill', 40), children: [] }
  const builtin: ProfileNode = { id: 7, callFrame: frame('JSON.parse', 0, ''), children: [] }
  root.children.push(runTest)
  runTest.children.push(build, other)
  build.children.push(fillFromBuild, builtin)
  other.children.push(fillFromOther)
  const parents = new Map<number, ProfileNode>()
  const visit = (node: ProfileNode) => {
    for (const child of node.children) {
      parents.set(child.id, node)
      visit(child)
    }
  }
  visit(root)
  return { parents, fillFromBuild, fillFromOther, builtin }
}

function settings(depth: number, resolved: ProfileCallFrame[]): AttributionSettings {
  return {
    interval: INTERVAL,
    depth,
    resolveFrame: (callFrame): SourceFrame => {
      resolved.push(callFrame)
      return { functionName: callFrame.functionName, file: callFrame.url, line: callFrame.lineNumber + 1, column: 1, kind: 'user' }
    },
    decode: createSampleDecoder(INTERVAL),
    isOwnAllocation: () => false,
  }
}

const sample = (node: ProfileNode, size: number, ordinal: number): PlacedSample => ({ node, size, ordinal, gap: 0 })

test('each node is resolved once, whatever the number of samples and tests on it', () => {
  const { parents, fillFromBuild } = profileTree()
  const resolved: ProfileCallFrame[] = []
  const shared = settings(2, resolved)
  const table = new SiteTable(shared)
  const first = new AttributionAccumulator(shared, table)
  const second = new AttributionAccumulator(shared, table)
  for (let i = 0; i < 50; i++) first.add(sample(fillFromBuild, INTERVAL, i), parents)
  for (let i = 0; i < 30; i++) second.add(sample(fillFromBuild, 2 * INTERVAL, 50 + i), parents)
  // Two frames (fill, build) for the one node, not two per sample.
  expect(resolved.map((f) => f.functionName)).toEqual(['fill', 'build'])
  const firstSites = first.finish(10).sites
  expect(firstSites).toHaveLength(1)
  expect(firstSites[0]!.frames.map((f) => f.functionName)).toEqual(['fill', 'build'])
  expect(firstSites[0]!.bytes).toBe(50 * INTERVAL)
  expect(second.finish(10).sites[0]!.bytes).toBe(60 * INTERVAL)
})

test('nodes whose innermost frames are the same share one site; other stacks stay apart', () => {
  const { parents, fillFromBuild, fillFromOther, builtin } = profileTree()
  const shallow = new AttributionAccumulator(settings(1, []))
  shallow.add(sample(fillFromBuild, INTERVAL, 1), parents)
  shallow.add(sample(fillFromOther, INTERVAL, 2), parents)
  // One frame deep, both are "fill at line 41": one site with both samples.
  expect(shallow.finish(10).sites.map((s) => [s.frames.map((f) => f.functionName), s.bytes])).toEqual([[['fill'], 2 * INTERVAL]])

  const deeper = new AttributionAccumulator(settings(2, []))
  deeper.add(sample(fillFromBuild, INTERVAL, 1), parents)
  deeper.add(sample(fillFromOther, 3 * INTERVAL, 2), parents)
  // The builtin has no URL: its site starts at the first frame with one (build, then runTest).
  deeper.add(sample(builtin, 2 * INTERVAL, 3), parents)
  expect(deeper.finish(10).sites.map((s) => [s.frames.map((f) => f.functionName).join(' < '), s.bytes])).toEqual([
    ['fill < other', 3 * INTERVAL],
    ['build < runTest', 2 * INTERVAL],
    ['fill < build', INTERVAL],
  ])
})
