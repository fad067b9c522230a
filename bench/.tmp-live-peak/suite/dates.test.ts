import { describe, expect, it } from 'vitest'

function addDays(d: Date, n: number): Date {
  const r = new Date(d)
  r.setUTCDate(r.getUTCDate() + n)
  return r
}
const iso = (d: Date) => d.toISOString().slice(0, 10)
function daysBetween(a: Date, b: Date): number { return Math.round((b.getTime() - a.getTime()) / 86400000) }

describe('dates', () => {
  const base = new Date(Date.UTC(2024, 0, 31))
  for (const n of [0, 1, 29, 30, 60, 365, -31]) it(`adds ${n} days`, () => expect(daysBetween(base, addDays(base, n))).toBe(n))
  it('leap day', () => expect(iso(addDays(new Date(Date.UTC(2024, 1, 28)), 1))).toBe('2024-02-29'))
  it('year rollover', () => expect(iso(addDays(new Date(Date.UTC(2023, 11, 31)), 1))).toBe('2024-01-01'))
  it('parses ISO', () => expect(new Date('2024-05-06T07:08:09Z').getUTCHours()).toBe(7))
  it('formats with Intl', () => expect(new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short' }).format(base)).toBe('Jan'))
  it('sorts dates', () => {
    const ds = [3, 1, 2].map((d) => new Date(Date.UTC(2024, 0, d)))
    expect(ds.sort((a, b) => a.getTime() - b.getTime()).map(iso)).toEqual(['2024-01-01', '2024-01-02', '2024-01-03'])
  })
  it('invalid date', () => expect(Number.isNaN(new Date('nope').getTime())).toBe(true))
  it('calendar month of days', () => {
    const days = Array.from({ length: 31 }, (_, i) => iso(addDays(new Date(Date.UTC(2024, 2, 1)), i)))
    expect(days.at(-1)).toBe('2024-03-31')
  })
  for (let m = 0; m < 12; m++) {
    it(`month ${m + 1} has a last day`, () => expect(new Date(Date.UTC(2024, m + 1, 0)).getUTCDate()).toBeGreaterThanOrEqual(29))
  }
  it('weekday', () => expect(new Date(Date.UTC(2024, 0, 1)).getUTCDay()).toBe(1))
  it('relative time', () => expect(new Intl.RelativeTimeFormat('en').format(-1, 'day')).toBe('1 day ago'))
})
