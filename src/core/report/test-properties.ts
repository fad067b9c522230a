import { formatSize } from '../config/size.js'
import type { TestMemoryResult } from './model.js'

/**
 * A test's memory figures as name/value pairs, for reports that carry per-test properties (JUnit
 * XML `<property>`): raw bytes for tools, plus the peak in words for people reading CI pages.
 */
export function testProperties(test: TestMemoryResult): Array<{ name: string; value: string }> {
  const properties = [
    { name: 'heapmark.peak', value: formatSize(test.peakBytes) },
    { name: 'heapmark.peakBytes', value: String(test.peakBytes) },
    { name: 'heapmark.totalBytes', value: String(test.totalBytes) },
  ]
  if (test.livePeakBytes !== undefined && test.livePeakKind !== undefined) {
    const words = test.livePeakKind === 'unknown' ? 'unknown (no GC during the test)' : `${test.livePeakKind === 'lower-bound' ? 'at least ' : ''}${formatSize(test.livePeakBytes)}`
    properties.push(
      { name: 'heapmark.livePeak', value: words },
      { name: 'heapmark.livePeakBytes', value: String(test.livePeakBytes) },
      { name: 'heapmark.livePeakKind', value: test.livePeakKind },
    )
  }
  if (test.limit) properties.push({ name: 'heapmark.limit', value: `${test.limit.spec}${test.limit.exceeded ? ' (exceeded)' : ''}` })
  return properties
}
