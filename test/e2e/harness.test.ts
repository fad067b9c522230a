/**
 * Proves the e2e harness itself on the current env (HEAPMARK_E2E_ENV), without needing heapmark's
 * dist: exit codes and output capture, where `heapmark` and `vitest` resolve from a fixture, and
 * which Node runs the child. Every run passes --reporter=default explicitly (see run-fixture.ts).
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { matrix, runFixture } from '../helpers/run-fixture.js'

const plainConfig = `import { defineConfig } from 'vitest/config'\nexport default defineConfig({})\n`
const major = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1])
/** Linux: alive and not a zombie (state "Z" in /proc/<pid>/stat). */
const isRunning = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe(`e2e harness (${matrix.name}: fixtures on Vitest ${matrix.vitestMajor} + Node ${matrix.nodeVersion}; suite on Node ${process.version})`, () => {
  test('reports a failing test with exit code 1 and both test names', async () => {
    const run = await runFixture({
      'vitest.config.ts': plainConfig,
      'basic.test.ts': `import { test, expect } from 'vitest'
test('adds numbers', () => { expect(1 + 1).toBe(2) })
test('breaks on purpose', () => { expect(1 + 1).toBe(3) })
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toContain('adds numbers')
    expect(run.output).toContain('breaks on purpose')
    expect(run.output).toMatch(/Tests\s+1 failed \| 1 passed/)
    expect(run.output).not.toMatch(/\x1b\[/) // NO_COLOR reached the child
    expect(run.exists('basic.test.ts')).toBe(true)
  })

  test('resolves heapmark to the env copy, and vitest + node to the env versions', async () => {
    const run = await runFixture({
      'vitest.config.ts': plainConfig,
      'probe.test.ts': `import { test } from 'vitest'
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import pkg from 'heapmark/package.json' with { type: 'json' }
test('probe', async () => {
  const vitestPkg = (await import('vitest/package.json', { with: { type: 'json' } })).default
  const require = createRequire(import.meta.url)
  writeFileSync('probe.json', JSON.stringify({
    heapmark: pkg.name,
    heapmarkPath: require.resolve('heapmark/package.json'),
    vitest: vitestPkg.version,
    vitestPath: require.resolve('vitest/package.json'),
    // what heapmark's own \`import 'vitest'\` gets: the reason the copy is not a symlink
    vitestFromHeapmark: createRequire(require.resolve('heapmark/package.json')).resolve('vitest/package.json'),
    node: process.version,
    // what a wrapper spawning \`node\` / \`vitest\` from PATH gets
    pathNode: execSync('node -p process.version', { encoding: 'utf8' }).trim(),
    pathVitest: execSync('command -v vitest', { encoding: 'utf8', shell: '/bin/sh' }).trim(),
    agentVars: Object.keys(process.env).filter((k) => /^(CI|CLAUDE|VITEST_POOL|HEAPMARK|NODE_OPTIONS)/.test(k)),
  }))
})
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    const probe = run.readJson('probe.json')
    expect(probe.heapmark).toBe('heapmark')
    // A real copy under the env's .tmp/node_modules (a symlink would resolve to the repo root).
    expect(probe.heapmarkPath).toMatch(matrix.name === 'vitest5'
      ? /\/test\/envs\/vitest5\/\.tmp\/node_modules\/heapmark\/package\.json$/
      : /(?<!vitest5)\/\.tmp\/node_modules\/heapmark\/package\.json$/)
    expect(probe.vitestPath).toMatch(matrix.name === 'vitest5'
      ? /\/test\/envs\/vitest5\/node_modules\/vitest\/package\.json$/
      : /(?<!envs\/vitest5)\/node_modules\/vitest\/package\.json$/)
    expect(probe.vitestFromHeapmark).toBe(probe.vitestPath)
    expect(major(probe.vitest)).toBe(matrix.vitestMajor)
    expect(probe.node).toBe(matrix.nodeVersion)
    expect(probe.pathNode).toBe(matrix.nodeVersion)
    expect(probe.pathVitest).toBe(probe.vitestPath.replace(/vitest\/package\.json$/, '.bin/vitest'))
    // Vitest itself sets VITEST_POOL_ID in its own workers; ours must not leak in.
    expect(probe.agentVars.filter((k: string) => k !== 'VITEST_POOL_ID')).toEqual([])
  })

  test('a fixture without its own config does not pick up the repo config', async () => {
    const run = await runFixture({
      'lonely.test.ts': `import { test } from 'vitest'\ntest('runs with defaults', () => {})\n`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toMatch(/Tests\s+1 passed/)
  })

  test('kills the process tree on timeout and reports the output so far', async () => {
    // The hanging test starts a grandchild that would outlive Vitest (pool workers exit on their
    // own when their parent dies; a process spawned by a test or by a CLI wrapper does not).
    const pidFile = join(await mkdtemp(join(tmpdir(), 'heapmark-harness-')), 'sleeper.pid')
    const fixture = {
      'vitest.config.ts': plainConfig,
      'hang.test.ts': `import { test } from 'vitest'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
test('hangs', async () => {
  const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  writeFileSync(process.env.PID_FILE!, String(sleeper.pid))
  console.log('STARTED-HANGING')
  await new Promise(() => {})
}, 600_000)
`,
    }
    const run = runFixture(fixture, ['run', '--reporter=default'], { timeoutMs: 5_000, env: { PID_FILE: pidFile } })
    await expect(run).rejects.toThrow(/timed out after 5000 ms[\s\S]*STARTED-HANGING/)
    const sleeperPid = Number(await readFile(pidFile, 'utf8'))
    await rm(dirname(pidFile), { recursive: true })
    await expect.poll(() => isRunning(sleeperPid), { timeout: 5_000 }).toBe(false)
  })
})
