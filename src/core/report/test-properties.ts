import { formatSize } from '../config/size.js'
import { increaseVerdictWords } from './memory-wording.js'
import type { TestMemoryResult } from './model.js'

/**
 * A test's memory figures as name/value pairs, for reports that carry per-test properties (JUnit
 * XML `<property>`): raw bytes and codes for tools, plus words for people reading CI pages.
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
  const { limit, increase } = test
  if (limit) {
    const verdict = limit.notJudged ? ' (not judged)' : limit.exceeded ? ' (exceeded)' : ''
    properties.push({ name: 'heapmark.limit', value: `${limit.spec}${verdict}` }, { name: 'heapmark.limitMeasure', value: limit.measure ?? 'used' })
    if (limit.notJudged) properties.push({ name: 'heapmark.limitNotJudged', value: limit.notJudged })
  }
  if (increase) {
    // The same pattern as the limit's: the verdict in words, what was compared, and codes for tools.
    properties.push(
      { name: 'heapmark.increase', value: increaseVerdictWords(test, increase) },
      { name: 'heapmark.increaseVerdict', value: increase.notJudged ? 'not-judged' : increase.exceeded ? 'exceeded' : 'ok' },
      { name: 'heapmark.increaseMeasure', value: increase.measure ?? 'used' },
      { name: 'heapmark.increasePreviousBytes', value: String(increase.previousPeakBytes) },
      { name: 'heapmark.increaseAllowedBytes', value: String(increase.allowedBytes) },
    )
    if (increase.notJudged) properties.push({ name: 'heapmark.increaseNotJudged', value: increase.notJudged })
  }
  return properties
}
