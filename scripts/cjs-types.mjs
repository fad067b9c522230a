// Type declarations for the CommonJS entries (after tsc and bundle-jest). `require('heapmark')` and
// the Jest subpaths load .cjs files, but tsc's .d.ts files sit in a `"type": "module"` package, so
// TypeScript would read them as ES module types for CommonJS code ("masquerading as ESM" in
// @arethetypeswrong/cli; wrong default-import and interop checks for users). A copy of the
// declaration tree under dist/cjs-types/, with a package.json saying "commonjs", gives the
// "require" conditions declarations of the right kind without rewriting any import in them.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const target = join(dist, 'cjs-types')

rmSync(target, { recursive: true, force: true })
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue
  const from = join(entry.parentPath, entry.name)
  const to = join(target, from.slice(dist.length))
  mkdirSync(join(to, '..'), { recursive: true })
  cpSync(from, to)
}
writeFileSync(join(target, 'package.json'), '{ "type": "commonjs" }\n')
