import { describe, expect, it } from 'vitest'

interface User { id: number; name: string; tags: string[]; active: boolean; meta?: Record<string, unknown> }
const makeUser = (id: number): User => ({ id, name: `user${id}`, tags: ['a', 'b', String(id % 3)], active: id % 2 === 0, meta: { created: 1700000000 + id } })

describe('JSON round trips', () => {
  for (let id = 0; id < 12; id++) {
    it(`round trips user ${id}`, () => {
      const u = makeUser(id)
      expect(JSON.parse(JSON.stringify(u))).toEqual(u)
    })
  }
  it('pretty prints', () => expect(JSON.stringify({ a: 1 }, null, 2)).toBe('{\n  "a": 1\n}'))
  it('uses a replacer', () => {
    const s = JSON.stringify(makeUser(1), (k, v) => (k === 'meta' ? undefined : v))
    expect(s).not.toContain('meta')
  })
  it('uses a reviver', () => {
    const o = JSON.parse('{"d":"2024-01-01T00:00:00.000Z"}', (k, v) => (k === 'd' ? new Date(v) : v))
    expect(o.d).toBeInstanceOf(Date)
  })
  it('throws on bad input', () => expect(() => JSON.parse('{bad')).toThrow(SyntaxError))
  it('stringifies a list of 200 users', () => {
    const list = Array.from({ length: 200 }, (_, i) => makeUser(i))
    expect(JSON.parse(JSON.stringify(list))).toHaveLength(200)
  })
  it('deep clones with structuredClone', () => {
    const u = makeUser(5)
    const c = structuredClone(u)
    c.tags.push('z')
    expect(u.tags).toHaveLength(3)
  })
  it('handles unicode', () => expect(JSON.parse(JSON.stringify({ s: 'héllo ✓' })).s).toBe('héllo ✓'))
  it('nested arrays', () => expect(JSON.parse('[[1,[2,[3]]]]')).toEqual([[1, [2, [3]]]]))
})
