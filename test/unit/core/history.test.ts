import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { readHistory, updateHistory } from '../../../src/core/history.js'
import { repoRoot } from '../../helpers/run-fixture.js'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'heapmark-history-')))

describe('history file', () => {
  test('a missing file is no history, without a problem', () => {
    fresh()
    expect(readHistory(join(dir, 'none.json'))).toEqual({ history: new Map() })
  })

  test('merges into what is there and keeps unrelated entries', async () => {
    const file = join(fresh(), 'h.json')
    await updateHistory(file, { entries: [['a', 1], ['b', 2]], recordedAt: 't1' })
    await updateHistory(file, { entries: [['b', 3]], recordedAt: 't2' })
    expect(Object.fromEntries(readHistory(file).history)).toEqual({ a: { peakBytes: 1, recordedAt: 't1' }, b: { peakBytes: 3, recordedAt: 't2' } })
  })

  test('names what is wrong with a file it cannot use', () => {
    const file = join(fresh(), 'h.json')
    const cases: Array<[string, RegExp]> = [
      ['not json', /is not valid JSON/],
      ['{"tests": {}}', /is not a heapmark history file/],
      ['{"heapmarkHistory": 2, "tests": {}}', /has format version 2; this heapmark reads version 1/],
      ['{"heapmarkHistory": 1}', /has no "tests" object/],
    ]
    for (const [text, problem] of cases) {
      writeFileSync(file, text)
      expect(readHistory(file).problem).toMatch(problem)
    }
  })

  test('takes over a lock left by a run that died', async () => {
    const file = join(fresh(), 'h.json')
    writeFileSync(`${file}.lock`, '')
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    await updateHistory(file, { entries: [['a', 1]], recordedAt: 't' })
    expect(readHistory(file).history.get('a')?.peakBytes).toBe(1)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  test('parallel processes updating one file lose no entries', async () => {
    const file = join(fresh(), 'h.json')
    const module = join(repoRoot, 'dist/core/history.js')
    expect(existsSync(module), 'run `npm run build` first').toBe(true)
    const writers = 6
    const perWriter = 200
    const script = (w: number) =>
      `import(${JSON.stringify(module)}).then(async ({ updateHistory }) => {
        for (let round = 0; round < 4; round++) {
          const entries = Array.from({ length: ${perWriter / 4} }, (_, i) => ['w${w} t' + (round * ${perWriter / 4} + i), ${w}])
          await updateHistory(${JSON.stringify(file)}, { entries, recordedAt: 'w${w}' })
        }
      })`
    const exits = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', script(w)], { stdio: 'inherit' }).on('exit', resolve)),
      ),
    )
    expect(exits).toEqual(Array(writers).fill(0))
    const { history, problem } = readHistory(file)
    expect(problem).toBeUndefined()
    expect(history.size).toBe(writers * perWriter)
    expect(JSON.parse(readFileSync(file, 'utf8')).heapmarkHistory).toBe(1)
  })
})
