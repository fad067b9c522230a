// Checks heapmark's import graph, type-only imports included (`npm test` runs it, through
// test/unit/check-imports.test.ts): no import cycles, and imports go one way between layers:
//
//   core (src/core, src/errors.ts, src/version.ts)  <  reporters (src/reporters)
//     <  the adapters (src/vitest, src/jest, src/node) and the CLI (src/cli)
//
// - core imports nothing of heapmark outside core, and no test runner package;
// - reporters import core, never a runner, an adapter or the CLI;
// - an adapter imports core and reporters, never another adapter, the CLI or another runner;
// - the CLI imports core and reporters, not the adapters (it starts runners in child processes);
// - the pages' browser code (src/reporters/client) imports only itself and the page data types
//   (src/reporters/page-data.ts), and no package: it is bundled for the browser;
// - src/index.ts (the public API) imports core and reporters.
// A file handed to another process by path (`new URL('./x.js', import.meta.url)`) counts as an edge
// too, so such a reference across layers is either allowed below with its reason or reported.
//
// Usage: node scripts/check-imports.mjs [--root <dir with a src/ folder>]  (exit 1 on a violation)
// TypeScript's own parser reads the files, so `import type`, `export … from`, `import('…')` types
// and dynamic imports are all seen.
import ts from 'typescript'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Cross-layer references that are deliberate. Each says why; the checker fails on an entry that no
 * longer matches anything, so the list cannot rot.
 */
const ALLOWED_EDGES = [
  {
    from: 'src/cli/node-test.ts',
    to: 'src/node/register.ts',
    why: '`heapmark run -- node --test` passes node:test adapter\'s register module to the test processes as --import=<its file URL>; the CLI never loads it itself',
  },
  {
    from: 'src/cli/jest-run.ts',
    to: 'src/jest/run-settings.ts',
    why: '`heapmark run -- jest` and the Jest adapter share one contract: the variable naming each project\'s own test runner and the shape of what workers send (types and a constant only; no Jest code loads in the CLI)',
  },
]

/**
 * Known cycles, by their exact set of modules. An entry is allowed only while that exact cycle
 * exists: a cycle that grows, or a new one, fails; an entry whose cycle is gone fails too, as a
 * reminder to delete it.
 */
const ALLOWED_CYCLES = [
  // None today. An entry is { modules: [...the cycle's files], why: '...' }.
]

const LAYERS = ['core', 'reporters', 'client', 'entry', 'vitest', 'jest', 'node', 'cli']
/** Which layers each layer may import from (besides nothing else). */
const MAY_IMPORT = {
  core: ['core'],
  reporters: ['core', 'reporters'],
  client: ['client'],
  entry: ['core', 'reporters'],
  vitest: ['core', 'reporters', 'vitest'],
  jest: ['core', 'reporters', 'jest'],
  node: ['core', 'reporters', 'node'],
  cli: ['core', 'reporters', 'cli'],
}
/** The page data contract the browser code may import (types only). */
const CLIENT_SHARED = 'src/reporters/page-data.ts'

const RUNNER_PACKAGES = {
  vitest: /^(vitest|@vitest\/[^/]+)(\/|$)/,
  jest: /^(jest|@jest\/[^/]+|jest-[^/]+|babel-jest|ts-jest)(\/|$)/,
  node: /^node:test$/,
}

export function layerOf(file) {
  if (file.startsWith('src/reporters/client/')) return 'client'
  if (file.startsWith('src/core/') || file === 'src/errors.ts' || file === 'src/version.ts') return 'core'
  if (file.startsWith('src/reporters/')) return 'reporters'
  if (file === 'src/index.ts') return 'entry'
  for (const layer of ['vitest', 'jest', 'node', 'cli']) if (file.startsWith(`src/${layer}/`)) return layer
  return undefined
}

function listSources(root, dir = 'src') {
  const out = []
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`
    if (entry.isDirectory()) out.push(...listSources(root, rel))
    else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel)
  }
  return out.sort()
}

/** Every module reference in a file: { specifier, typeOnly, kind: 'import' | 'path' }. */
function referencesIn(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const refs = []
  const add = (node, typeOnly, kind = 'import') => {
    if (node && ts.isStringLiteralLike(node)) refs.push({ specifier: node.text, typeOnly, kind, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 })
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)))
      add(node.moduleSpecifier, typeOnly)
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true)
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && /^require/i.test(node.expression.text)))) {
      add(node.arguments[0], false)
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.length === 2 && /import\.meta\.url/.test(node.arguments[1].getText())) {
      // A file of the package located by path (a worker, a register module handed to a child process).
      add(node.arguments[0], false, 'path')
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return refs
}

function resolveRelative(root, from, specifier) {
  const base = path.posix.join(path.posix.dirname(from), specifier)
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base.replace(/\.cjs$/, '.cts'), `${base}.ts`, `${base}/index.ts`, base]
  return candidates.find((candidate) => candidate.startsWith('src/') && existsSync(path.join(root, candidate)) && /\.(ts|mts|cts)$/.test(candidate))
}

/** Strongly connected components with more than one module (or a self-import): the cycles. */
function findCycles(files, edges) {
  const index = new Map()
  const low = new Map()
  const onStack = new Set()
  const stack = []
  const cycles = []
  let counter = 0
  const strongConnect = (v) => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (edges.get(v) ?? new Set()).has(v)) cycles.push(component.sort())
    }
  }
  for (const file of files) if (!index.has(file)) strongConnect(file)
  return cycles
}

/** One path around a cycle, for the message: a -> b -> c -> a. */
function cyclePath(component, edges) {
  const members = new Set(component)
  const start = component[0]
  const seen = new Map([[start, null]])
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()
    for (const w of edges.get(v) ?? []) {
      if (w === start) {
        const path = [v]
        for (let at = seen.get(v); at !== null; at = seen.get(at)) path.unshift(at)
        return [...path, start].join(' -> ')
      }
      if (members.has(w) && !seen.has(w)) {
        seen.set(w, v)
        queue.push(w)
      }
    }
  }
  return component.join(', ')
}

export function checkImports(root) {
  const files = listSources(root)
  const problems = []
  const notes = []
  const edges = new Map(files.map((file) => [file, new Set()]))
  const usedAllowances = new Set()
  let imports = 0
  let typeOnly = 0
  for (const file of files) {
    const layer = layerOf(file)
    if (!layer) {
      problems.push(`${file}: in no layer (add it to layerOf in scripts/check-imports.mjs)`)
      continue
    }
    for (const ref of referencesIn(file, readFileSync(path.join(root, file), 'utf8'))) {
      const where = `${file}:${ref.line}`
      if (ref.specifier.startsWith('.')) {
        const target = resolveRelative(root, file, ref.specifier)
        if (!target) {
          // A path reference may name a non-source file (a folder, package.json); imports must resolve.
          if (ref.kind === 'import') problems.push(`${where}: cannot resolve ${JSON.stringify(ref.specifier)}`)
          continue
        }
        imports++
        if (ref.typeOnly) typeOnly++
        if (ref.kind === 'import') edges.get(file).add(target)
        const targetLayer = layerOf(target)
        const allowance = ALLOWED_EDGES.find((edge) => edge.from === file && edge.to === target)
        if (allowance) {
          usedAllowances.add(allowance)
          notes.push(`allowed: ${file} -> ${target} (${ref.kind === 'path' ? 'a file path, not an import' : 'import'}): ${allowance.why}`)
          continue
        }
        if (layer === 'client' && target === CLIENT_SHARED) {
          if (!ref.typeOnly) problems.push(`${where}: browser code imports ${target} for types only (import type)`)
          continue
        }
        if (!MAY_IMPORT[layer].includes(targetLayer)) {
          problems.push(`${where}: ${layer} must not ${ref.kind === 'path' ? 'reference' : 'import'} ${targetLayer} (${target}); allowed: ${MAY_IMPORT[layer].join(', ')}`)
        }
      } else {
        if (layer === 'client') {
          problems.push(`${where}: browser code imports the package ${JSON.stringify(ref.specifier)}; it is bundled on its own, keep it dependency-free`)
          continue
        }
        for (const [runner, pattern] of Object.entries(RUNNER_PACKAGES)) {
          if (pattern.test(ref.specifier) && layer !== runner) {
            problems.push(`${where}: ${layer} must not import the ${runner} runner's ${JSON.stringify(ref.specifier)}${layer === 'core' || layer === 'reporters' ? ' (core and reporters are runner-agnostic)' : ' (only its own adapter may)'}`)
          }
        }
      }
    }
  }
  for (const allowance of ALLOWED_EDGES) {
    if (!usedAllowances.has(allowance)) problems.push(`stale allow-list entry: ${allowance.from} -> ${allowance.to} no longer exists; delete it from ALLOWED_EDGES`)
  }
  const cycles = findCycles(files, edges)
  for (const allowed of ALLOWED_CYCLES) {
    const found = cycles.find((cycle) => cycle.join('\n') === [...allowed.modules].sort().join('\n'))
    if (found) notes.push(`known cycle (allow-listed) among ${found.join(', ')}, e.g. ${cyclePath(found, edges)}: ${allowed.why}`)
    else problems.push(`stale allow-list entry: the cycle ${allowed.modules.join(', ')} is gone (or changed); delete it from ALLOWED_CYCLES`)
  }
  for (const cycle of cycles) {
    if (!ALLOWED_CYCLES.some((allowed) => cycle.join('\n') === [...allowed.modules].sort().join('\n'))) {
      problems.push(`import cycle (type-only imports count) among ${cycle.join(', ')}, e.g. ${cyclePath(cycle, edges)}`)
    }
  }
  return { modules: files.length, imports, typeOnly, cycles: cycles.length, notes, problems }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const rootFlag = process.argv.indexOf('--root')
  const root = rootFlag > 0 ? path.resolve(process.argv[rootFlag + 1]) : fileURLToPath(new URL('..', import.meta.url))
  const result = checkImports(root)
  console.log(`check-imports: ${result.modules} modules, ${result.imports} imports of heapmark's own modules (${result.typeOnly} type-only); layers ${LAYERS.join(', ')}`)
  for (const note of result.notes) console.log(`  ${note}`)
  for (const problem of result.problems) console.error(`  ✗ ${problem}`)
  console.log(result.problems.length === 0 ? 'check-imports: ok' : `check-imports: ${result.problems.length} problem(s)`)
  process.exitCode = result.problems.length === 0 ? 0 : 1
}
