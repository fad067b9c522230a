// Keeps `prepare` cheap and correct. npm runs `prepare` on every `npm ci` / `npm install` in the
// repo, twice when installing from git (pacote's `npm install` in the clone, then its own prepare
// before packing), and again after `prepack` on `npm pack`. `npm run build` ends by recording a hash
// of everything the build reads (`--write`); `prepare` runs `--fresh || npm run build`, which
// rebuilds only when dist/ is missing or was built from other inputs.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = join(root, 'dist/.build-inputs')
const INPUTS = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json']

/** The input's files, relative to the repo root: a folder's files recursively, or the file itself. */
function files(input) {
  const full = join(root, input)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [input]
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
}

function inputsHash() {
  const hash = createHash('sha256')
  for (const path of INPUTS.flatMap(files).sort()) hash.update(`${path}\0`).update(readFileSync(join(root, path))).update('\0')
  return hash.digest('hex')
}

const mode = process.argv[2]
if (mode === '--write') {
  writeFileSync(stamp, `${inputsHash()}\n`)
} else if (mode === '--fresh') {
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === inputsHash()
  if (fresh) console.log('heapmark: dist/ is up to date with src/, not rebuilding')
  process.exit(fresh ? 0 : 1)
} else {
  console.error('usage: node scripts/build-inputs.mjs --write | --fresh')
  process.exit(2)
}
