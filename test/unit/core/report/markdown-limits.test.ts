import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import { renderMarkdownReport } from '../../../../src/core/report/markdown.js'
import { makeSite, makeTestResult } from '../../../helpers/records.js'

const MiB = 1024 * 1024
const META = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384 }
const limit = { kind: 'memory' as const, bytes: 16 * MiB, currentThreadOnly: false, exceeded: true }

describe('the Markdown summary and default limits', () => {
  it('says which limit a test went over: its own, the default or its file\'s', () => {
    const markdown = renderMarkdownReport(buildReport([
      makeTestResult({ id: 'own', name: 'own', peakBytes: 20 * MiB, limit: { ...limit, spec: '16 MB' } }),
      makeTestResult({ id: 'default', name: 'default', peakBytes: 21 * MiB, limit: { ...limit, spec: '16 MB', origin: 'default', from: 'HEAPMARK_LIMIT' } }),
      makeTestResult({ id: 'file', name: 'file', peakBytes: 22 * MiB, limit: { ...limit, spec: '16 MB', origin: 'file', from: '@heapmark-limit at a.test.ts:1' } }),
    ], META), { mostAllocations: 10 })
    expect(markdown).toContain('| own | 16 MB | 20.0 MiB |')
    expect(markdown).toContain('| default | 16 MB (default) | 21.0 MiB |')
    expect(markdown).toContain('| file | 16 MB (file) | 22.0 MiB |')
  })

  it('prints a dependency outside the root from node_modules/', () => {
    const site = makeSite(MiB, [{ functionName: 'parse', file: '/ci/repo/node_modules/yaml/dist/parse.js', line: 3, kind: 'dependency' }])
    const markdown = renderMarkdownReport(buildReport([makeTestResult({ id: 'y', name: 'y', sites: [site] })], META), { mostAllocations: 10 })
    expect(markdown).toContain('| parse (node_modules/yaml/dist/parse.js:3) |')
  })
})
