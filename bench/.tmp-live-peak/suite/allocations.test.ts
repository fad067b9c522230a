import { describe, expect, it } from 'vitest'

const MiB = 1024 * 1024

describe('larger allocations', () => {
  it('1 MiB buffer', () => expect(Buffer.alloc(MiB, 1)[100]).toBe(1))
  it('2 MiB typed array', () => expect(new Float64Array((2 * MiB) / 8).fill(1).length).toBe(262144))
  it('3 MiB of small objects', () => {
    const n = Math.round((3 * MiB) / 40)
    const list = new Array(n)
    for (let i = 0; i < n; i++) list[i] = { v: i }
    expect(list[n - 1].v).toBe(n - 1)
  })
  it('5 MiB string', () => expect('ab'.repeat((5 * MiB) / 2).charCodeAt(1)).toBe(98))
  it('4 MiB array of numbers', () => expect(new Array(MiB / 2).fill(0).length).toBe(MiB / 2))
  it('1 MiB JSON payload', () => {
    const rows = Array.from({ length: 10000 }, (_, i) => ({ id: i, label: `row-${i}`, ok: i % 2 === 0 }))
    const text = JSON.stringify(rows)
    expect(JSON.parse(text)).toHaveLength(10000)
  })
  it('concats buffers', () => {
    const parts = Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024, 7))
    expect(Buffer.concat(parts).length).toBe(MiB)
  })
  it('small allocation', () => expect([1, 2, 3].map((x) => x * 2)).toEqual([2, 4, 6]))
})
