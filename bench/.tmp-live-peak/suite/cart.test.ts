import { beforeEach, describe, expect, it } from 'vitest'

interface Item { sku: string; price: number; qty: number }
class Cart {
  private items = new Map<string, Item>()
  add(sku: string, price: number, qty = 1): this {
    const cur = this.items.get(sku)
    if (cur) cur.qty += qty
    else this.items.set(sku, { sku, price, qty })
    return this
  }
  remove(sku: string): boolean { return this.items.delete(sku) }
  get count(): number { let n = 0; for (const i of this.items.values()) n += i.qty; return n }
  total(discount = 0): number {
    let t = 0
    for (const i of this.items.values()) t += i.price * i.qty
    return Math.round(t * (1 - discount) * 100) / 100
  }
  toJSON(): Item[] { return [...this.items.values()] }
}

describe('Cart', () => {
  let cart: Cart
  beforeEach(() => { cart = new Cart() })
  it('starts empty', () => expect(cart.count).toBe(0))
  it('adds an item', () => expect(cart.add('a', 1).count).toBe(1))
  it('merges quantities', () => expect(cart.add('a', 1).add('a', 1, 2).count).toBe(3))
  it('removes an item', () => { cart.add('a', 1); expect(cart.remove('a')).toBe(true) })
  it('remove unknown returns false', () => expect(cart.remove('zz')).toBe(false))
  it('totals', () => expect(cart.add('a', 1.5, 2).add('b', 2).total()).toBe(5))
  for (const d of [0, 0.1, 0.25, 0.5]) {
    it(`applies discount ${d}`, () => {
      cart.add('x', 10, 3)
      expect(cart.total(d)).toBe(Math.round(30 * (1 - d) * 100) / 100)
    })
  }
  it('serializes', () => {
    cart.add('a', 1)
    expect(JSON.parse(JSON.stringify(cart))).toEqual([{ sku: 'a', price: 1, qty: 1 }])
  })
  it('handles many items', () => {
    for (let i = 0; i < 500; i++) cart.add(`sku${i}`, i % 10, 1)
    expect(cart.count).toBe(500)
  })
  it('float totals are rounded', () => expect(cart.add('a', 0.1).add('b', 0.2).total()).toBe(0.3))
  it('chains', () => expect(cart.add('a', 1).add('b', 1).add('c', 1).toJSON()).toHaveLength(3))
})

describe('Cart snapshots', () => {
  for (let n = 1; n <= 8; n++) {
    it(`cart with ${n} skus`, () => {
      const c = new Cart()
      for (let i = 0; i < n; i++) c.add(`s${i}`, i + 1, i + 1)
      expect(c.total()).toBe(Array.from({ length: n }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b, 0))
    })
  }
})
