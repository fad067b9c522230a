import { describe, expect, it } from 'vitest'

function wordCount(text: string): Map<string, number> {
  const m = new Map<string, number>()
  for (const w of text.split(/\s+/)) if (w) m.set(w, (m.get(w) ?? 0) + 1)
  return m
}
class LRU<K, V> {
  private m = new Map<K, V>()
  constructor(private cap: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k)
    if (v !== undefined) { this.m.delete(k); this.m.set(k, v) }
    return v
  }
  set(k: K, v: V): void {
    this.m.delete(k); this.m.set(k, v)
    if (this.m.size > this.cap) this.m.delete(this.m.keys().next().value as K)
  }
  get size(): number { return this.m.size }
}

describe('Map', () => {
  it('counts words', () => expect(wordCount('a b a c b a').get('a')).toBe(3))
  it('keeps insertion order', () => expect([...new Map([[2, 'b'], [1, 'a']]).keys()]).toEqual([2, 1]))
  it('object keys', () => {
    const k = {}
    expect(new Map([[k, 1]]).get(k)).toBe(1)
  })
  for (let n = 10; n <= 10000; n *= 10) {
    it(`fills ${n} entries`, () => {
      const m = new Map<number, string>()
      for (let i = 0; i < n; i++) m.set(i, `v${i}`)
      expect(m.size).toBe(n)
    })
  }
  it('groupBy', () => {
    const g = new Map<string, number[]>()
    for (const x of [1, 2, 3, 4, 5]) {
      const k = x % 2 ? 'odd' : 'even'
      g.set(k, [...(g.get(k) ?? []), x])
    }
    expect(g.get('odd')).toEqual([1, 3, 5])
  })
})

describe('Set', () => {
  it('dedupes', () => expect(new Set([1, 1, 2, 3, 3]).size).toBe(3))
  it('intersection', () => {
    const a = new Set([1, 2, 3]), b = new Set([2, 3, 4])
    expect([...a].filter((x) => b.has(x))).toEqual([2, 3])
  })
  it('union', () => expect(new Set([...[1, 2], ...[2, 3]]).size).toBe(3))
  for (const n of [100, 1000, 20000]) {
    it(`dedupes ${n} strings`, () => {
      const s = new Set<string>()
      for (let i = 0; i < n; i++) s.add(`k${i % (n / 2)}`)
      expect(s.size).toBe(n / 2)
    })
  }
  it('WeakSet membership', () => {
    const o = {}
    const w = new WeakSet([o])
    expect(w.has(o)).toBe(true)
  })
})

describe('LRU', () => {
  it('evicts oldest', () => {
    const c = new LRU<string, number>(2)
    c.set('a', 1); c.set('b', 2); c.set('c', 3)
    expect(c.get('a')).toBeUndefined()
  })
  it('get refreshes', () => {
    const c = new LRU<string, number>(2)
    c.set('a', 1); c.set('b', 2); c.get('a'); c.set('c', 3)
    expect(c.get('a')).toBe(1)
  })
  it('respects capacity', () => {
    const c = new LRU<number, number>(100)
    for (let i = 0; i < 1000; i++) c.set(i, i)
    expect(c.size).toBe(100)
  })
})
