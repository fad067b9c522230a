import { describe, expect, it } from 'vitest'

const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([\w.]+))?$/
const ISO_DATE = /^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})$/

describe('email', () => {
  const good = ['a@b.co', 'first.last@example.com', 'x+tag@sub.domain.org']
  const bad = ['no-at', 'a@b', '@b.com', 'a b@c.com']
  for (const e of good) it(`accepts ${e}`, () => expect(EMAIL.test(e)).toBe(true))
  for (const e of bad) it(`rejects ${e}`, () => expect(EMAIL.test(e)).toBe(false))
})

describe('semver', () => {
  const cases: [string, boolean][] = [['1.2.3', true], ['0.0.1-beta.1', true], ['1.2', false], ['v1.2.3', false], ['10.20.30-rc', true]]
  for (const [v, ok] of cases) it(`parses ${v}`, () => expect(SEMVER.test(v)).toBe(ok))
  it('captures parts', () => expect('4.5.6'.match(SEMVER)?.slice(1, 4)).toEqual(['4', '5', '6']))
})

describe('misc regex', () => {
  it('named groups', () => expect('2024-03-09'.match(ISO_DATE)?.groups?.m).toBe('03'))
  it('global matchAll', () => expect([...'a1b22c333'.matchAll(/\d+/g)].map((m) => m[0])).toEqual(['1', '22', '333']))
  it('replace with function', () => expect('hello world'.replace(/\b\w/g, (c) => c.toUpperCase())).toBe('Hello World'))
  it('split on regex', () => expect('a, b;c  d'.split(/[,;\s]+/)).toEqual(['a', 'b', 'c', 'd']))
  it('sticky flag', () => {
    const r = /foo/y
    r.lastIndex = 3
    expect(r.test('barfoo')).toBe(true)
  })
  it('scans a log', () => {
    const log = Array.from({ length: 300 }, (_, i) => `${i % 5 === 0 ? 'ERROR' : 'INFO'} line ${i}`).join('\n')
    expect(log.match(/^ERROR/gm)).toHaveLength(60)
  })
  it('escapes special chars', () => {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    expect(new RegExp(esc('a.b*c')).test('a.b*c')).toBe(true)
  })
  it('unicode property escapes', () => expect(/\p{L}+/u.exec('123héllo')?.[0]).toBe('héllo'))
})
