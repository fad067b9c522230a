/** Test files shared by the retained-memory e2e suites (source text for fixture projects). */

/** A helper test files use to allocate `mib` MiB of plain numbers (8 bytes each). */
export const BLOCK = `const block = (mib: number) => new Array(Math.round((mib * 1024 * 1024) / 8)).fill(1)`

/** Test 3 of 10 pushes 5 MiB into a module-level array; every test makes 2 MiB of garbage. */
export const CACHE_TEST_FILE = `import { expect, test } from 'vitest'
${BLOCK}
const cache: number[][] = []
for (let i = 1; i <= 10; i++) {
  test('test ' + i, () => {
    const scratch = block(2)
    if (i === 3) cache.push(block(5))
    expect(scratch.length).toBeGreaterThan(0)
  })
}
`
