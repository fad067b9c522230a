import { describe, expect, it } from 'vitest'
import { originalPosition, sourcePath } from '../../../../src/core/attribution/source-position.js'
import { createModuleGraphMapper, loadSourceMapSupport } from '../../../../src/vitest/source-map.js'

/** The source-map tail the Vitest, Jest and node:test adapters share. */
describe('source positions', () => {
  it('turns a file URL source into a path, decoding escapes (a folder with a space)', () => {
    expect(sourcePath('/work/out/a.js', 'file:///work/my%20project/src/a.ts')).toBe('/work/my project/src/a.ts')
    expect(sourcePath('/work/out/a.js', 'file:///work/%C3%A9t%C3%A9/a.ts')).toBe('/work/été/a.ts')
  })

  it('resolves any other source next to the generated file', () => {
    expect(sourcePath('/work/out/a.js', '../src/a.ts')).toBe('/work/src/a.ts')
    expect(sourcePath('/work/out/a.js', '/abs/a.ts')).toBe('/abs/a.ts')
  })

  it('has no position where the map has none', () => {
    expect(originalPosition('/w/a.js', { source: null, line: null, column: null })).toBeUndefined()
    expect(originalPosition('/w/a.js', { source: 'a.ts', line: null, column: null })).toBeUndefined()
    expect(originalPosition('/w/a.js', { source: 'file:///w/my%20dir/a.ts', line: 3, column: 4 })).toEqual({ file: '/w/my dir/a.ts', line: 3, column: 4 })
  })

  it('is what the Vitest adapter\'s module-graph mapper returns', async () => {
    await loadSourceMapSupport()
    // Generated line 1 column 0 maps to line 1 column 0 of the one source, a file URL with a space.
    const sourceMap = { version: 3, sources: ['file:///work/my%20project/src/a.test.ts'], names: [], mappings: 'AAAA' }
    const modules = { getModuleById: (id: string) => (id === '/work/my project/src/a.test.ts' ? { meta: { sourceMap } } : undefined) }
    const map = createModuleGraphMapper(() => modules)
    expect(map('/work/my project/src/a.test.ts', 1, 0)).toEqual({ file: '/work/my project/src/a.test.ts', line: 1, column: 0 })
    expect(map('/work/other.ts', 1, 0)).toBeUndefined()
  })
})
