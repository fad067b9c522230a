import { describe, expect, it } from 'vitest'
import { buildFlamegraph, renderFlamegraph, renderFlamegraphHtml, type FlamegraphNode } from '../../../src/reporters/flamegraph.js'
import { escapeHtml, jsonForScript } from '../../../src/reporters/html-page.js'
import { makeCapture, sampleTree } from '../../helpers/captures.js'

function dataIsland(html: string): { root: FlamegraphNode } {
  const match = /<script type="application\/json" id="heapmark-data">([^<]*)<\/script>/.exec(html)
  if (!match) throw new Error('no data island')
  return JSON.parse(match[1]!) as { root: FlamegraphNode }
}

describe('flamegraph reporter', () => {
  it('models the tree with kinds, totals and header facts', () => {
    const model = buildFlamegraph(makeCapture(sampleTree()))
    expect(model.title).toBe('test/app.test.ts > app > builds')
    expect(model.facts.map((fact) => `${fact.label}: ${fact.value}`)).toEqual([
      'Peak memory: 12.0 MiB',
      'Total allocated: 20.0 MiB',
      'Sampled: 5.5 MiB in 14 samples',
      'Allocations: ~5.0k',
      'Sampling interval: 16.0 KiB',
    ])
    const runTest = model.root.c[0]!
    expect(runTest).toMatchObject({ n: 'runTest', k: 1, v: model.root.v })
    const callFn = runTest.c[0]!
    expect(callFn.c.map((node) => [node.n, node.k, node.f])).toEqual([
      ['toCsv', 0, 'src/csv.ts:3'],
      ['buildTable', 0, 'src/table.ts:8'],
      ['lodashClone', 1, 'node_modules/lodash/clone.js:12'],
    ])
    expect(callFn.c[1]!.c.find((node) => node.n === 'JSON.parse')).toMatchObject({ k: 2 })
  })

  it('notes a missing peak for a plain profile and shows a limit when there is one', () => {
    const plain = buildFlamegraph(makeCapture(sampleTree(), { metadata: false }))
    expect(plain.facts[0]).toMatchObject({ label: 'Peak memory', value: 'n/a' })
    expect(plain.note).toContain('no heapmark metadata')
    const limited = buildFlamegraph(makeCapture(sampleTree(), { metadata: { limit: { spec: '8 MB', bytes: 8 << 20, exceeded: true } } }))
    expect(limited.facts.at(-1)).toEqual({ label: 'Memory limit', value: '8 MB: EXCEEDED', tone: 'bad' })
  })

  it('says in the header how much of a mostly external peak the sampler cannot attribute', () => {
    const MiB = 1 << 20
    const external = buildFlamegraph(makeCapture(sampleTree(), { metadata: { peakBytes: 33 * MiB, heapPeakBytes: MiB, externalPeakBytes: 32 * MiB } }))
    expect(external.note).toMatch(/^32\.0 MiB of this test's peak was external memory \(Buffers, typed arrays, ArrayBuffers\), which V8's allocation sampler cannot attribute to functions/)
    expect(renderFlamegraphHtml(external)).toContain('32.0 MiB of this test&#39;s peak was external memory')
    const heap = buildFlamegraph(makeCapture(sampleTree(), { metadata: { peakBytes: 33 * MiB, heapPeakBytes: 30 * MiB, externalPeakBytes: 3 * MiB } }))
    expect(heap.note).toBeUndefined()
  })

  it('drops frames below the minimum share', () => {
    const model = buildFlamegraph(makeCapture(sampleTree()), { minShare: 0.05 })
    expect(model.root.c[0]!.c[0]!.c.map((node) => node.n)).toEqual(['toCsv', 'buildTable'])
  })

  it('escapes test and function names in the header and the data island', () => {
    const evil = '<img src=x onerror=alert(1)> & "</script><script>alert(2)</script>'
    const html = renderFlamegraph(makeCapture([{ fn: evil, allocs: [3000] }], { metadata: { name: `suite > ${evil}` } }))
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<script>alert')
    expect(html.match(/<\/script>/g)).toHaveLength(2) // the data island and the page script, nothing injected
    expect(html).toContain(`<h1>suite &gt; ${escapeHtml(evil)}</h1>`)
    expect(dataIsland(html).root.c[0]!.n).toBe(evil)
  })

  it('is self-contained: no external scripts, styles or fetches', () => {
    const html = renderFlamegraph(makeCapture(sampleTree()))
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script[^>]+src=|<link|@import|fetch\(|XMLHttpRequest/)
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).toContain('id="search"')
    expect(html).toContain('id="reset"')
  })

  it('keeps JSON embeddable in a script element', () => {
    expect(jsonForScript({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script>\\u003c!--\\u2028"}')
    expect(JSON.parse(jsonForScript({ a: '</script>' }))).toEqual({ a: '</script>' })
  })
})
