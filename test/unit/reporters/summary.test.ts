import { describe, expect, it } from 'vitest'
import { buildSummary, renderSummaryText } from '../../../src/reporters/summary.js'
import { makeCapture, sampleTree } from '../../helpers/captures.js'

describe('summary reporter', () => {
  it('orders functions by total bytes by default, biggest first', () => {
    const model = buildSummary(makeCapture(sampleTree()))
    expect(model.rows.map((row) => row.frame.functionName)).toEqual(['callFn', 'runTest', 'toCsv', 'buildTable', 'makeRow', 'JSON.parse', 'lodashClone'])
    expect(model.rows[0]!.totalBytes).toBe(model.totalBytes)
    expect(model.rows[0]!.ownBytes).toBe(0)
  })

  it('orders by own bytes on request and honours the limit', () => {
    const model = buildSummary(makeCapture(sampleTree()), { sortBy: 'own', limit: 3 })
    expect(model.rows.map((row) => row.frame.functionName)).toEqual(['toCsv', 'makeRow', 'buildTable'])
    expect(model.omitted).toBe(4)
  })

  it('renders an aligned table with percentages and an omitted-rows line', () => {
    const text = renderSummaryText(buildSummary(makeCapture(sampleTree()), { limit: 3 }), { color: false })
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^test\/app\.test\.ts > app > builds \(by total bytes; 5\.5 MiB sampled in total\)$/)
    expect(lines[1]).toMatch(/^\s+Own\s+Own %\s+Total\s+Total %\s+Allocs\s+Function$/)
    expect(lines[2]).toContain('100.0%')
    expect(lines[4]).toMatch(/5\.0 MiB\s+91\.\d%\s+5\.0 MiB\s+91\.\d%\s+~1\s+toCsv at src\/csv\.ts:3$/)
    // Columns line up: the Function column starts at the same offset on every line.
    expect(lines[4]!.indexOf('toCsv')).toBe(lines[1]!.indexOf('Function'))
    expect(lines.at(-1)).toBe('… 4 more functions (--limit 0 shows all)')
  })

  it('paints non-user frames dim only when colour is on', () => {
    const coloured = renderSummaryText(buildSummary(makeCapture(sampleTree())), { color: true })
    expect(coloured).toContain('\u001b[2mrunTest at node_modules/@vitest/runner/dist/index.js:100')
    expect(renderSummaryText(buildSummary(makeCapture(sampleTree())), { color: false })).not.toContain('\u001b[')
  })

  it('says so when nothing was sampled', () => {
    expect(renderSummaryText(buildSummary(makeCapture([{ fn: 'idle' }])), { color: false })).toContain('no allocations sampled')
  })
})
