import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isHeapmarkError } from '../../../../src/errors.js'
import { buildReport } from '../../../../src/core/report/build.js'
import { serializeReport, writeJsonReport } from '../../../../src/core/report/json.js'
import { makeHistogram, makeTestResult } from '../../../helpers/records.js'

const report = buildReport(
  [makeTestResult({ id: 't1', histogram: makeHistogram([[64, 3, 100], [null, 1, 10 ** 8]]) })],
  { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384, createdAt: '2025-01-01T00:00:00.000Z' },
)

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'heapmark-json-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('serializeReport', () => {
  it('writes indented JSON that parses back to the same report, keeping upTo null', () => {
    const text = serializeReport(report)
    expect(text).toContain('\n  "version": 1,')
    expect(text).toContain('"upTo": null')
    expect(JSON.parse(text)).toEqual(report)
  })
})

describe('writeJsonReport', () => {
  it('creates missing parent directories and writes the report', async () => {
    const path = join(dir, 'nested', 'deeper', 'memory.json')
    await writeJsonReport(path, report)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(report)
  })

  it('replaces an existing file and leaves no temporary files behind', async () => {
    const path = join(dir, 'memory.json')
    await writeFile(path, 'old')
    await writeJsonReport(path, report)
    expect(await readFile(path, 'utf8')).toBe(`${serializeReport(report)}\n`)
    expect(await readdir(dir)).toEqual(['memory.json'])
  })

  it('wraps failures in HEAPMARK_OUTPUT naming the path', async () => {
    const blocker = join(dir, 'file')
    await writeFile(blocker, '')
    const path = join(blocker, 'memory.json') // parent is a file, so mkdir fails
    const error: unknown = await writeJsonReport(path, report).catch((caught: unknown) => caught)
    expect(isHeapmarkError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'HEAPMARK_OUTPUT' })
    expect((error as Error).message).toContain(JSON.stringify(path))
    expect((error as Error).cause).toBeInstanceOf(Error)
  })

  it('cleans up the temporary file when the final rename fails', async () => {
    const path = join(dir, 'taken')
    await mkdir(join(path, 'child'), { recursive: true }) // a non-empty directory cannot be replaced
    await expect(writeJsonReport(path, report)).rejects.toMatchObject({ code: 'HEAPMARK_OUTPUT' })
    expect(await readdir(dir)).toEqual(['taken'])
  })
})
