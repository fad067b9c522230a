import { describe, expect, it } from 'vitest'
import { buildTable, renderTableText } from '../../../src/reporters/table.js'
import { makeCapture, sampleTree, scaledSample } from '../../helpers/captures.js'

describe('table reporter', () => {
  it('has one row per allocating call path, biggest first, with its caller', () => {
    const model = buildTable(makeCapture(sampleTree()))
    expect(model.rows.map((row) => row.frame.functionName)).toEqual(['toCsv', 'makeRow', 'buildTable', 'JSON.parse', 'lodashClone'])
    expect(model.rows[1]).toMatchObject({ bytes: 6 * scaledSample(40) + scaledSample(300 * 1024), caller: { functionName: 'buildTable' } })
    expect(model.rows[2]!.caller?.functionName).toBe('callFn')
  })

  it('gives the same function reached from two callers two rows', () => {
    const model = buildTable(makeCapture([
      { fn: 'a', children: [{ fn: 'alloc', line: 7, allocs: [1000] }] },
      { fn: 'b', children: [{ fn: 'alloc', line: 7, allocs: [3000] }] },
    ]))
    expect(model.rows.map((row) => `${row.frame.functionName}<-${row.caller?.functionName}`)).toEqual(['alloc<-b', 'alloc<-a'])
  })

  it('renders columns and a "more" line past the limit', () => {
    const text = renderTableText(buildTable(makeCapture(sampleTree()), { limit: 2 }), { color: false })
    const lines = text.split('\n')
    expect(lines[1]).toMatch(/^\s+Bytes\s+%\s+Allocs\s+Function\s+Location\s+Called from$/)
    expect(lines[2]).toMatch(/^\s*5\.0 MiB\s+9\d\.\d%\s+~1\s+toCsv\s+src\/csv\.ts:3\s+callFn \(node_modules\/@vitest\/runner\/dist\/index\.js:50\)$/)
    expect(lines.at(-1)).toBe('… 3 more sites (--limit 0 shows all)')
    // Right-aligned byte column: the row and header end at the same offset.
    expect(lines[2]!.indexOf('B ') + 1).toBe(lines[1]!.indexOf('Bytes') + 'Bytes'.length)
  })
})
