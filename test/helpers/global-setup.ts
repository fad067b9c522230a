/**
 * Vitest globalSetup (root vitest.config.ts): prepares the e2e env once per suite run, not per test.
 *
 * 1. Copies the package (package.json + dist/) to `<envDir>/.tmp/node_modules/heapmark`, where
 *    fixtures resolve it — a copy, not a symlink, see run-fixture.ts.
 * 2. Creates this run's fixture folder `<envDir>/.tmp/e2e/run-<pid>-<rand>/` and hands it to the
 *    workers with `provide`, so two concurrent `npm test`s never share or delete each other's dirs.
 * 3. Writes `<envDir>/.tmp/e2e/vitest.config.mjs` (`export default {}`): Vitest searches for a
 *    config file UPWARD from the fixture, and a fixture without its own config would otherwise
 *    load the repo's vitest.config.ts. This stops the search with a config equal to none.
 */
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { repoRoot, resolveE2eEnv } from './run-fixture.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = resolveE2eEnv()
  await copyHeapmark(env.heapmarkCopy)
  await mkdir(env.e2eRoot, { recursive: true })
  await writeFile(join(env.e2eRoot, 'vitest.config.mjs'), 'export default {}\n')
  const runDir = await mkdtemp(join(env.e2eRoot, `run-${process.pid}-`))
  project.provide('heapmarkE2eRunDir', runDir)
  return async () => {
    if (process.env.HEAPMARK_E2E_KEEP === '1') console.log(`[heapmark e2e] kept fixtures in ${runDir}`)
    else await rm(runDir, { recursive: true, force: true })
  }
}

async function copyHeapmark(target: string): Promise<void> {
  const dist = join(repoRoot, 'dist')
  if (!existsSync(dist)) {
    // Harness tests don't need dist; heapmark e2e tests will fail on the missing import instead.
    console.warn(`[heapmark e2e] ${dist} does not exist: run \`npm run build\` before e2e tests`)
  }
  // Build next to the target, then swap, so a concurrent run never sees a half-written copy
  // for more than the instant between the two renames.
  const staging = `${target}.staging-${process.pid}`
  const old = `${target}.old-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  await cp(join(repoRoot, 'package.json'), join(staging, 'package.json'))
  if (existsSync(dist)) await cp(dist, join(staging, 'dist'), { recursive: true })
  if (existsSync(target)) await rename(target, old)
  await rename(staging, target)
  await rm(old, { recursive: true, force: true })
}
