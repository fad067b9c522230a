import { readFile } from 'node:fs/promises'
import { HeapmarkError } from '../../errors.js'
import { REPORT_VERSION, type MemoryReport } from './model.js'

/** Reads a JSON report heapmark wrote, refusing other files and other format versions by name. */
export async function readJsonReport(file: string): Promise<MemoryReport> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new HeapmarkError('HEAPMARK_REPORT_NOT_FOUND', `Cannot read the JSON report ${JSON.stringify(file)}: ${reason}`, { cause: error })
  }
  let data: Partial<MemoryReport> | null
  try {
    data = JSON.parse(text) as Partial<MemoryReport> | null
  } catch (error) {
    throw new HeapmarkError('HEAPMARK_REPORT_INVALID', `${JSON.stringify(file)} is not valid JSON: ${(error as Error).message}`)
  }
  if (data === null || typeof data !== 'object' || !Array.isArray(data.tests) || data.totals === undefined) {
    throw new HeapmarkError('HEAPMARK_REPORT_INVALID', `${JSON.stringify(file)} is not a heapmark JSON report (written with --json): no "tests" and "totals"`)
  }
  if (data.version !== REPORT_VERSION) {
    throw new HeapmarkError('HEAPMARK_REPORT_VERSION', `${JSON.stringify(file)} is a version ${JSON.stringify(data.version)} report; this heapmark reads version ${REPORT_VERSION}`)
  }
  return data as MemoryReport
}
