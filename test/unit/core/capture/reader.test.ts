import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listCaptures, readCapture } from '../../../../src/core/capture/reader.js'
import { makeCaptureJson, sampleTree, useTempDir, writeCaptureFile } from '../../../helpers/captures.js'

async function readError(file: string): Promise<{ code: string; message: string }> {
  return readCapture(file).then(
    () => { throw new Error('expected readCapture to fail') },
    (error: { code: string; message: string }) => error,
  )
}

describe('readCapture', () => {
  it('reads a heapmark capture with its metadata', async () => {
    const dir = await useTempDir()
    const file = await writeCaptureFile(dir, 'a.heapprofile', makeCaptureJson(sampleTree()))
    const capture = await readCapture(file)
    expect(capture.path).toBe(file)
    expect(capture.metadata?.name).toBe('test/app.test.ts > app > builds')
    expect(capture.head.callFrame.functionName).toBe('(root)')
    expect(capture.samples.length).toBeGreaterThan(5)
  })

  it('reads a plain V8 profile without metadata, and one without samples', async () => {
    const dir = await useTempDir()
    const plain = makeCaptureJson(sampleTree(), { metadata: false })
    expect((await readCapture(await writeCaptureFile(dir, 'plain.heapprofile', plain))).metadata).toBeUndefined()
    const noSamples = await readCapture(await writeCaptureFile(dir, 'nos.heapprofile', { head: plain.head }))
    expect(noSamples.samples).toEqual([])
  })

  it('names the missing file', async () => {
    const dir = await useTempDir()
    const file = join(dir, 'nope.heapprofile')
    const error = await readError(file)
    expect(error.code).toBe('HEAPMARK_CAPTURE_NOT_FOUND')
    expect(error.message).toContain(JSON.stringify(file))
  })

  it.each([
    ['not JSON', 'not json {', 'it is not JSON'],
    ['a JSON array', '[1, 2]', 'not a heap profile'],
    ['JSON of something else', '{"version": 1, "tests": []}', 'not a heap profile'],
    ['a node without callFrame', '{"head": {"selfSize": 0, "id": 1, "children": []}, "samples": []}', 'callFrame'],
    ['a child that is not a node', '{"head": {"callFrame": {"functionName": "", "url": "", "lineNumber": 0, "columnNumber": 0}, "selfSize": 0, "id": 1, "children": [3]}}', 'child 0 is not an object'],
    ['bad samples', '{"head": {"callFrame": {"functionName": "", "url": "", "lineNumber": 0, "columnNumber": 0}, "selfSize": 0, "id": 1, "children": []}, "samples": [{"size": "big"}]}', '"samples"'],
  ])('rejects %s with the path and what was expected', async (_what, text, why) => {
    const dir = await useTempDir()
    const file = await writeCaptureFile(dir, 'bad.heapprofile', text)
    const error = await readError(file)
    expect(error.code).toBe('HEAPMARK_CAPTURE_INVALID')
    expect(error.message).toContain(JSON.stringify(file))
    expect(error.message).toContain(why)
    expect(error.message).toContain('Expected a heapmark capture or a V8 .heapprofile')
  })

  it('rejects an unknown heapmark format version, quoting it', async () => {
    const dir = await useTempDir()
    const json = makeCaptureJson(sampleTree()) as { heapmark: { version: number } }
    json.heapmark.version = 99
    const error = await readError(await writeCaptureFile(dir, 'v99.heapprofile', json))
    expect(error.code).toBe('HEAPMARK_CAPTURE_VERSION')
    expect(error.message).toMatch(/version 99: expected 1/)
  })

  it('rejects metadata without the fields reporters use', async () => {
    const dir = await useTempDir()
    const json = makeCaptureJson(sampleTree()) as unknown as { heapmark: Record<string, unknown> }
    delete json.heapmark.peakBytes
    const error = await readError(await writeCaptureFile(dir, 'nopeak.heapprofile', json))
    expect(error.code).toBe('HEAPMARK_CAPTURE_INVALID')
    expect(error.message).toContain('peakBytes')
  })
})

describe('listCaptures', () => {
  it('returns a file as itself, and a directory as its sorted .heapprofile files', async () => {
    const dir = await useTempDir()
    const json = makeCaptureJson(sampleTree())
    const b = await writeCaptureFile(dir, 'b.heapprofile', json)
    const a = await writeCaptureFile(dir, 'a.heapprofile', json)
    await writeFile(join(dir, 'notes.txt'), 'x')
    await mkdir(join(dir, 'sub.heapprofile'))
    expect(await listCaptures(b)).toEqual([b])
    expect(await listCaptures(dir)).toEqual([a, b])
  })

  it('fails for a directory without captures and for a missing path', async () => {
    const dir = await useTempDir()
    await expect(listCaptures(dir)).rejects.toMatchObject({ code: 'HEAPMARK_CAPTURE_NOT_FOUND', message: expect.stringContaining('No capture files') })
    await expect(listCaptures(join(dir, 'missing'))).rejects.toMatchObject({ code: 'HEAPMARK_CAPTURE_NOT_FOUND' })
  })
})
