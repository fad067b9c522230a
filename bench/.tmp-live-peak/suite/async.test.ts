import { describe, expect, it } from 'vitest'

const tick = () => new Promise<void>((r) => setTimeout(r, 0))
async function fetchUser(id: number): Promise<{ id: number; name: string }> {
  await tick()
  if (id < 0) throw new Error('bad id')
  return { id, name: `u${id}` }
}
async function retry<T>(fn: () => Promise<T>, times: number): Promise<T> {
  let last: unknown
  for (let i = 0; i < times; i++) {
    try { return await fn() } catch (e) { last = e }
  }
  throw last
}

describe('async', () => {
  for (let id = 0; id < 8; id++) it(`fetches user ${id}`, async () => expect((await fetchUser(id)).name).toBe(`u${id}`))
  it('rejects', async () => await expect(fetchUser(-1)).rejects.toThrow('bad id'))
  it('Promise.all', async () => expect(await Promise.all([1, 2, 3].map(fetchUser))).toHaveLength(3))
  it('Promise.allSettled', async () => {
    const r = await Promise.allSettled([fetchUser(1), fetchUser(-1)])
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected'])
  })
  it('Promise.race', async () => expect(await Promise.race([tick().then(() => 'a'), new Promise((r) => setTimeout(() => r('b'), 5))])).toBe('a'))
  it('retries', async () => {
    let n = 0
    const v = await retry(async () => { await tick(); if (++n < 3) throw new Error('x'); return n }, 5)
    expect(v).toBe(3)
  })
  it('microtask order', async () => {
    const out: number[] = []
    queueMicrotask(() => out.push(1))
    await Promise.resolve()
    out.push(2)
    expect(out).toEqual([1, 2])
  })
  it('async iterator', async () => {
    async function* gen() { for (let i = 0; i < 5; i++) { await tick(); yield i } }
    const xs: number[] = []
    for await (const x of gen()) xs.push(x)
    expect(xs).toEqual([0, 1, 2, 3, 4])
  })
  it('sequential awaits', async () => {
    let s = 0
    for (let i = 0; i < 10; i++) { await tick(); s += i }
    expect(s).toBe(45)
  })
  it('setImmediate', async () => expect(await new Promise((r) => setImmediate(() => r(1)))).toBe(1))
  it('AbortController', async () => {
    const ac = new AbortController()
    const p = new Promise((_, rej) => ac.signal.addEventListener('abort', () => rej(new Error('aborted'))))
    ac.abort()
    await expect(p).rejects.toThrow('aborted')
  })
})
