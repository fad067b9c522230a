import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../src/core/report/build.js'
import type { MemoryReport, WorkerIncident } from '../../../src/core/report/model.js'
import { escapeHtml } from '../../../src/reporters/html-page.js'
import { buildTimeline, hasTimeline, renderTimeline, type TimelineData } from '../../../src/reporters/timeline.js'
import { makeSite, makeTestResult } from '../../helpers/records.js'

const MiB = 1024 * 1024
const meta = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.20.2', samplingInterval: 32768, createdAt: '2026-01-02T03:04:05.000Z' }

function dataIsland(html: string): TimelineData {
  const match = /<script type="application\/json" id="heapmark-data">([^<]*)<\/script>/.exec(html)
  if (!match) throw new Error('no data island')
  return JSON.parse(match[1]!) as TimelineData
}

/** Worker 1 ran a.test.ts (its test 2 kept 3 MiB); worker 2 died in b.test.ts after two tests. */
function sampleReport(): MemoryReport {
  const shared = makeSite(2 * MiB, [{ functionName: 'fill', file: 'src/fill.ts', line: 4 }, { functionName: 'runTest', file: 'node_modules/@vitest/runner/dist/index.js', line: 9, kind: 'dependency' }])
  const tests = [
    makeTestResult({ id: 'one', name: 'a.test.ts > one', file: 'a.test.ts', sites: [shared] }),
    makeTestResult({ id: 'two', name: 'a.test.ts > two', file: 'a.test.ts', retained: { bytes: 3 * MiB, exact: true }, sites: [shared, makeSite(MiB)] }),
    makeTestResult({ id: 'b1', name: 'b.test.ts > b1', file: 'b.test.ts', sampled: false, sites: [] }),
  ]
  const incident: WorkerIncident = {
    worker: '202', kind: 'died', heapLimitBytes: 64 * MiB,
    runningTest: { name: 'b.test.ts > boom', file: 'b.test.ts', liveBytesAtStart: 40 * MiB },
    maxLive: { bytes: 40 * MiB, beforeTest: 'b.test.ts > boom' }, resultsLost: 1,
    tests: [
      { name: 'b.test.ts > b1', file: 'b.test.ts', peakBytes: 5 * MiB, retainedBytes: 20 * MiB },
      { name: 'b.test.ts > b2', file: 'b.test.ts', peakBytes: 6 * MiB },
      { name: 'b.test.ts > boom', file: 'b.test.ts' },
    ],
  }
  return buildReport(tests, meta, [{
    worker: '101',
    points: [
      { file: 'a.test.ts', bytes: 10 * MiB, exact: true },
      { test: 'a.test.ts > one', file: 'a.test.ts', bytes: 11 * MiB, exact: false },
      { test: 'a.test.ts > two', file: 'a.test.ts', bytes: 13 * MiB, exact: true },
    ],
  }], [incident])
}

describe('timeline page', () => {
  it('carries each worker as columns, tests with their sites, and frames once', () => {
    const { data } = buildTimeline(sampleReport(), 'out/report.json')
    const [first] = data.workers
    expect(first).toMatchObject({ id: '101', b: [10 * MiB, 11 * MiB, 13 * MiB], e: [1, 0, 1] })
    expect(first!.t.map((t) => (t < 0 ? null : data.tests[t]!.n))).toEqual([null, 'a.test.ts > one', 'a.test.ts > two'])
    const two = data.tests.find((t) => t.n === 'a.test.ts > two')!
    expect(two).toMatchObject({ s: 'passed', r: 3 * MiB, x: true, m: true })
    expect(two.a).toHaveLength(2)
    // The site both tests share is stored once in the frame table.
    expect(data.frames.filter((frame) => frame[0] === 'fill')).toEqual([['fill', 'src/fill.ts:4', 0]])
    expect(data.frames.find((frame) => frame[0] === 'runTest')![2]).toBe(1)
  })

  it("draws a dead worker from its journal: unrecorded points, then the running test at its start level", () => {
    const model = buildTimeline(sampleReport(), 'report.json')
    const dead = model.data.workers[1]!
    expect(dead.id).toBe('202')
    expect(dead.b).toEqual([null, null, 40 * MiB])
    const names = dead.t.map((t) => model.data.tests[t]!)
    expect(names.map((t) => [t.n, t.s, t.p, t.r])).toEqual([
      ['b.test.ts > b1', 'passed', 10 * MiB, 20 * MiB], // in the report; retained from the journal
      ['b.test.ts > b2', 'lost', 6 * MiB, null],
      ['b.test.ts > boom', 'running', null, null],
    ])
    expect(dead.incident).toMatchObject({ kind: 'died', heapLimitBytes: 64 * MiB, running: dead.t[2], resultsLost: 1 })
    expect(model.facts.find((fact) => fact.label === 'Incidents')).toEqual({ label: 'Incidents', value: '1 worker died', tone: 'bad' })
    expect(model.facts.find((fact) => fact.label === 'Kept the most')!.value).toBe('+20.0 MiB b.test.ts > b1')
    expect(model.note).toContain('live memory not recorded')
  })

  it('needs a point or an incident', () => {
    expect(hasTimeline(sampleReport())).toBe(true)
    expect(hasTimeline({ ...sampleReport(), workers: [], incidents: [] })).toBe(false)
    expect(hasTimeline({ ...sampleReport(), workers: undefined as never, incidents: undefined as never })).toBe(false)
  })

  it('escapes report strings in the header and keeps them intact in the data island', () => {
    const evil = '<img src=x onerror=alert(1)> & "</script><script>alert(2)</script>'
    const report = sampleReport()
    report.tests[0]!.name = evil
    report.workers[0]!.points[1]!.test = evil
    report.tests[0]!.retained = { bytes: 99 * MiB, exact: false }
    const html = renderTimeline(report, `${evil}.json`)
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<script>alert')
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    expect(html).toContain(escapeHtml(`+99.0 MiB ${evil}`))
    expect(dataIsland(html).tests.some((t) => t.n === evil)).toBe(true)
  })
})
