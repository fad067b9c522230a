import { describe, expect, it } from 'vitest'

function rng(seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
}
function isSorted(a: number[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1]! > a[i]!) return false
  return true
}
function mergeSort(a: number[]): number[] {
  if (a.length < 2) return a
  const mid = a.length >> 1
  const l = mergeSort(a.slice(0, mid)), r = mergeSort(a.slice(mid))
  const out: number[] = []
  let i = 0, j = 0
  while (i < l.length && j < r.length) out.push(l[i]! <= r[j]! ? l[i++]! : r[j++]!)
  return out.concat(l.slice(i), r.slice(j))
}

describe('Array.prototype.sort', () => {
  for (const size of [0, 1, 10, 100, 1000, 5000]) {
    it(`sorts ${size} random numbers`, () => {
      const r = rng(size + 1)
      const a = Array.from({ length: size }, () => Math.floor(r() * 1e6))
      expect(isSorted(a.sort((x, y) => x - y))).toBe(true)
    })
  }
  it('sorts objects by key', () => {
    const a = [{ k: 3 }, { k: 1 }, { k: 2 }]
    expect(a.sort((x, y) => x.k - y.k).map((o) => o.k)).toEqual([1, 2, 3])
  })
  it('is stable', () => {
    const a = Array.from({ length: 100 }, (_, i) => ({ g: i % 3, i }))
    const s = [...a].sort((x, y) => x.g - y.g)
    expect(s.filter((o) => o.g === 0).map((o) => o.i)).toEqual(a.filter((o) => o.g === 0).map((o) => o.i))
  })
  it('toSorted does not mutate', () => {
    const a = [3, 1, 2]
    expect(a.toSorted()).toEqual([1, 2, 3])
    expect(a).toEqual([3, 1, 2])
  })
  it('sorts strings', () => expect(['pear', 'apple', 'fig'].sort()).toEqual(['apple', 'fig', 'pear']))
})

describe('mergeSort', () => {
  for (const size of [2, 7, 64, 500, 2000, 4096]) {
    it(`merge sorts ${size}`, () => {
      const r = rng(size)
      const a = Array.from({ length: size }, () => r())
      expect(isSorted(mergeSort(a))).toBe(true)
    })
  }
  it('typed array sort', () => {
    const t = new Float64Array(1000).map((_, i) => (i * 7919) % 1000)
    t.sort()
    expect(t[0]).toBe(0)
  })
  it('binary search after sort', () => {
    const a = Array.from({ length: 1000 }, (_, i) => i * 2)
    let lo = 0, hi = a.length - 1
    while (lo <= hi) { const m = (lo + hi) >> 1; if (a[m]! < 998) lo = m + 1; else hi = m - 1 }
    expect(lo).toBe(499)
  })
})
