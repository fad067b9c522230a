import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run-fixture.js'

/** scripts/check-imports.mjs: the layer and cycle rules, on heapmark itself and on small made-up trees. */

interface CheckResult { exitCode: number; stdout: string; stderr: string }

function check(root?: string): Promise<CheckResult> {
  const args = [path.join(repoRoot, 'scripts/check-imports.mjs'), ...(root ? ['--root', root] : [])]
  return new Promise((resolve) => {
    execFile(process.execPath, args, (error, stdout, stderr) => resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr }))
  })
}

const trees: string[] = []
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'heapmark-imports-'))
  trees.push(root)
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true })
    await writeFile(path.join(root, file), text)
  }
  return root
}
afterAll(() => Promise.all(trees.map((root) => rm(root, { recursive: true, force: true }))))

/** The smallest tree that satisfies the allow-lists (which name heapmark's real files). */
const base: Record<string, string> = {
  'src/cli/node-test.ts': "export const REGISTER = new URL('../node/register.js', import.meta.url)\n",
  'src/node/register.ts': 'export {}\n',
  'src/cli/jest-run.ts': "import { TEST_RUNNERS_ENV } from '../jest/run-settings.js'\nexport const variable = TEST_RUNNERS_ENV\n",
  'src/jest/run-settings.ts': "export const TEST_RUNNERS_ENV = 'HEAPMARK_JEST_TEST_RUNNERS'\n",
}

describe.concurrent('check-imports', () => {
  it('passes on heapmark, naming the allowed cross-layer paths, with no import cycle', async () => {
    const result = await check()
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('allowed: src/cli/node-test.ts -> src/node/register.ts (a file path, not an import)')
    expect(result.stdout).not.toContain('known cycle')
    expect(result.stdout).toMatch(/check-imports: ok\n$/)
  })

  it('passes on a tree that keeps the rules', async () => {
    const result = await check(await tree({
      ...base,
      'src/core/size.ts': 'export const KiB = 1024\n',
      'src/reporters/table.ts': "import { KiB } from '../core/size.js'\nexport const row = KiB\n",
      'src/vitest/plugin.ts': "import { row } from '../reporters/table.js'\nimport type { Vitest } from 'vitest/node'\nexport const x: Vitest | number = row\n",
    }))
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
  })

  it('reports a cycle closed by type-only imports', async () => {
    const result = await check(await tree({
      ...base,
      'src/core/a.ts': "import type { B } from './b.js'\nexport interface A { b: B }\n",
      'src/core/b.ts': "export type { A } from './a.js'\nexport interface B { n: number }\n",
    }))
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('import cycle (type-only imports count) among src/core/a.ts, src/core/b.ts, e.g. src/core/a.ts -> src/core/b.ts -> src/core/a.ts')
  })

  it('reports imports against the layer direction, across adapters, and of runners outside their adapter', async () => {
    const result = await check(await tree({
      ...base,
      'src/core/report.ts': "import { render } from '../reporters/render.js'\nimport { expect } from 'vitest'\nexport const r = [render, expect]\n",
      'src/reporters/render.ts': "export const render = 1\nexport type Cli = typeof import('../cli/main.js')\n",
      'src/cli/main.ts': 'export {}\n',
      'src/jest/reporter.ts': "import type { Plugin } from '../vitest/plugin.js'\nexport type P = Plugin\n",
      'src/vitest/plugin.ts': "export type Plugin = 1\nexport const load = () => import('@jest/reporters')\n",
      'src/reporters/client/page.ts': "import { render } from '../render.js'\nimport pc from 'picocolors'\nexport const p = [render, pc]\n",
    }))
    expect(result.exitCode).toBe(1)
    const problems = result.stderr.split('\n').map((line) => line.replace(/^ *✗ /, '')).filter(Boolean)
    expect(problems).toEqual(expect.arrayContaining([
      'src/core/report.ts:1: core must not import reporters (src/reporters/render.ts); allowed: core',
      'src/core/report.ts:2: core must not import the vitest runner\'s "vitest" (core and reporters are runner-agnostic)',
      'src/reporters/render.ts:2: reporters must not import cli (src/cli/main.ts); allowed: core, reporters',
      'src/jest/reporter.ts:1: jest must not import vitest (src/vitest/plugin.ts); allowed: core, reporters, jest',
      'src/vitest/plugin.ts:2: vitest must not import the jest runner\'s "@jest/reporters" (only its own adapter may)',
      'src/reporters/client/page.ts:1: client must not import reporters (src/reporters/render.ts); allowed: client',
      'src/reporters/client/page.ts:2: browser code imports the package "picocolors"; it is bundled on its own, keep it dependency-free',
    ]))
    expect(problems).toHaveLength(7)
  })

  it('reports an allow-list entry that matches nothing any more', async () => {
    const { 'src/cli/node-test.ts': _path, ...rest } = base
    const result = await check(await tree(rest))
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('stale allow-list entry: src/cli/node-test.ts -> src/node/register.ts no longer exists')
  })
})
