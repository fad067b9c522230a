import { describe, expect, it } from 'vitest'

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
function primes(n: number): number[] {
  const sieve = new Uint8Array(n + 1)
  const out: number[] = []
  for (let i = 2; i <= n; i++) {
    if (!sieve[i]) { out.push(i); for (let j = i * i; j <= n; j += i) sieve[j] = 1 }
  }
  return out
}
const fib = (n: number): number => { let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a }

describe('gcd', () => {
  const cases: [number, number, number][] = [[12, 8, 4], [17, 5, 1], [100, 75, 25], [0, 9, 9], [81, 27, 27], [1071, 462, 21]]
  for (const [a, b, g] of cases) it(`gcd(${a}, ${b})`, () => expect(gcd(a, b)).toBe(g))
})
describe('primes', () => {
  for (const [n, c] of [[10, 4], [100, 25], [1000, 168], [10000, 1229], [50000, 5133]] as const) {
    it(`${c} primes below ${n}`, () => expect(primes(n)).toHaveLength(c))
  }
})
describe('fib', () => {
  for (const [n, f] of [[0, 0], [1, 1], [10, 55], [20, 6765], [30, 832040], [50, 12586269025]] as const) {
    it(`fib(${n})`, () => expect(fib(n)).toBe(f))
  }
})
describe('numbers', () => {
  it('toFixed', () => expect((1.005).toFixed(2)).toBe('1.00'))
  it('Intl.NumberFormat', () => expect(new Intl.NumberFormat('en-US').format(1234567.891)).toBe('1,234,567.891'))
  it('BigInt factorial', () => {
    let f = 1n
    for (let i = 1n; i <= 30n; i++) f *= i
    expect(f.toString()).toBe('265252859812191058636308480000000')
  })
  it('Math.hypot', () => expect(Math.hypot(3, 4)).toBe(5))
  it('clamp', () => expect(Math.min(Math.max(15, 0), 10)).toBe(10))
})
