import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { FLAMEGRAPH_SCRIPT, TIMELINE_SCRIPT } from '../../../../src/reporters/client-bundles.js'
import { repoRoot } from '../../../helpers/run-fixture.js'

/** The committed bundle (src/reporters/client-bundles.ts) is what src/reporters/client/ builds to. */
it('client-bundles.ts is up to date with src/reporters/client', async () => {
  const result = await promisify(execFile)(process.execPath, ['scripts/bundle-client.mjs', '--check'], { cwd: repoRoot }).catch((error: { stderr: string; code: number }) => error)
  expect('stderr' in result ? result.stderr : '').toBe('')
})

it('bundles each page script as one self-running function, with its shared helpers inside', () => {
  for (const script of [FLAMEGRAPH_SCRIPT, TIMELINE_SCRIPT]) {
    expect(script.trimStart()).toMatch(/^\(function\(\) \{/)
    expect(script).toContain('function showTooltip(')
    expect(script).not.toMatch(/^\s*(import|export) /m)
  }
})
