import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { HeapmarkError } from '../../errors.js'
import type { MemoryReport } from './model.js'

/** The report as JSON text; the shape is documented in docs/json-report.md. */
export function serializeReport(report: MemoryReport): string {
  return JSON.stringify(report, null, 2)
}

/**
 * Writes the report to `path`, creating parent directories. The write goes to a temporary file
 * in the same directory and is renamed into place, so a tool reading the file never sees half
 * a report (rename is atomic within one filesystem, hence the same directory).
 */
export async function writeJsonReport(path: string, report: MemoryReport): Promise<void> {
  const directory = dirname(path)
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(directory, { recursive: true })
    await writeFile(temporary, `${serializeReport(report)}\n`, 'utf8')
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined)
    const reason = error instanceof Error ? error.message : String(error)
    throw new HeapmarkError(
      'HEAPMARK_OUTPUT',
      `Could not write the heapmark JSON report to ${JSON.stringify(path)}: ${reason}`,
      { cause: error },
    )
  }
}
