/** Which file a frame URL of Vitest's browser dev server stands for. */
import { expect, test } from 'vitest'
import { servedFile } from '../../../src/vitest/browser-attribution.js'

test('dev-server URLs become files under the root, /@fs/ URLs absolute files; Vite and Vitest internals stay URLs', () => {
  expect(servedFile('http://localhost:63315/src/dialog.ts?import&v=12ab', '/project')).toBe('/project/src/dialog.ts')
  expect(servedFile('http://localhost:63315/@fs/home/me/lib/a%20b.ts?v=1', '/project')).toBe('/home/me/lib/a b.ts')
  expect(servedFile('http://localhost:63315/@vite/client', '/project')).toBeUndefined()
  expect(servedFile('http://localhost:63315/__vitest_browser__/tester-x.js', '/project')).toBeUndefined()
  expect(servedFile('/project/src/a.ts', '/project')).toBeUndefined()
})
