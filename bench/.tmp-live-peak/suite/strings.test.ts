import { describe, expect, it } from 'vitest'

function slugify(s: string): string {
  return s.toLowerCase().trim().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
}
function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}
function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

describe('slugify', () => {
  const cases: [string, string][] = [
    ['Hello World', 'hello-world'], ['  Trim me  ', 'trim-me'], ['A/B/C', 'a-b-c'],
    ['Already-slug', 'already-slug'], ['Multiple   spaces', 'multiple-spaces'], ['Ünïcödé', 'n-c-d'],
    ['123 Numbers', '123-numbers'], ['--dashes--', 'dashes'],
  ]
  for (const [input, out] of cases) it(`slugifies "${input}"`, () => expect(slugify(input)).toBe(out))
})

describe('pad', () => {
  for (let n = 0; n < 6; n++) it(`pads ${n * 7}`, () => expect(pad(n * 7, 4)).toHaveLength(4))
})

describe('formatBytes', () => {
  it('bytes', () => expect(formatBytes(512)).toBe('512 B'))
  it('kibibytes', () => expect(formatBytes(2048)).toBe('2.0 KiB'))
  it('mebibytes', () => expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB'))
  it('gibibytes', () => expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB'))
  it('template literal joins', () => {
    const parts = Array.from({ length: 50 }, (_, i) => `item-${i}`)
    expect(parts.join(',').split(',')).toHaveLength(50)
  })
  it('builds a long string', () => {
    let s = ''
    for (let i = 0; i < 1000; i++) s += String.fromCharCode(97 + (i % 26))
    expect(s.length).toBe(1000)
  })
  it('localeCompare sorts names', () => {
    expect(['b', 'a', 'C'].sort((x, y) => x.localeCompare(y))).toEqual(['a', 'b', 'C'])
  })
  for (const w of ['alpha', 'beta', 'gamma', 'delta']) {
    it(`capitalizes ${w}`, () => expect(w[0]!.toUpperCase() + w.slice(1)).toMatch(/^[A-Z][a-z]+$/))
  }
  it('replaceAll', () => expect('a.b.c'.replaceAll('.', '/')).toBe('a/b/c'))
})
