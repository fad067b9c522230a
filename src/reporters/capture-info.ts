import path from 'node:path'
import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/config/size.js'

/** Header facts every reporter shows about a capture, with plain profiles handled in one place. */

export const NO_METADATA_NOTE = 'no heapmark metadata (a plain .heapprofile)'

/** The test name, or the file name for a profile heapmark did not write. */
export function captureTitle(capture: ReadCapture): string {
  return capture.metadata?.name ?? path.basename(capture.path)
}

/** "Peak 12.0 MiB", or a note saying the capture cannot know it. */
export function describePeak(capture: ReadCapture): string {
  return capture.metadata ? formatSize(capture.metadata.peakBytes) : `n/a (${NO_METADATA_NOTE})`
}
