import { describe, expect, it } from 'vitest'
import { limitMemory } from 'heapmark'
import { buildTable, checksumBuffer, toCsv } from '../src/table'

describe('table', () => {
  it('builds a large table', () => {
    const rows = buildTable(300_000)
    expect(rows).toHaveLength(300_000)
  })

  it('exports CSV within 64 MB', limitMemory('64 MB', () => {
    const csv = toCsv(buildTable(100_000))
    expect(csv.length).toBeGreaterThan(1_000_000)
  }))

  it('checksums a buffer within 8 MB (fails: the buffer alone is 16 MiB)', limitMemory('8 MB', () => {
    expect(checksumBuffer(16)).toBeGreaterThan(0)
  }))

  it('adds small numbers', () => {
    expect(1 + 1).toBe(2)
  })
})
