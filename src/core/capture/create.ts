import type { Attribution } from '../attribution/attribution.js'
import type { TestRecord } from '../worker/test-result.js'
import type { CaptureBuilder } from './builder.js'
import { CAPTURE_VERSION, type Capture } from './format.js'

export interface CaptureIdentity {
  testId: string
  name: string
  file: string
}

export interface CaptureContext {
  heapmarkVersion: string
  runner: { name: string; version: string }
  samplingInterval: number
  rootDir: string
}

/** One test's capture: its sampled allocation tree plus what heapmark measured about it. */
export function createCapture(
  identity: CaptureIdentity,
  record: TestRecord,
  attribution: Attribution | undefined,
  builder: CaptureBuilder,
  context: CaptureContext,
): Capture {
  return {
    ...builder.build(),
    heapmark: {
      version: CAPTURE_VERSION,
      heapmarkVersion: context.heapmarkVersion,
      runner: context.runner,
      node: process.version,
      createdAt: new Date().toISOString(),
      ...identity,
      peakBytes: record.peakBytes,
      heapPeakBytes: record.heapPeakBytes,
      externalPeakBytes: record.externalPeakBytes,
      livePeakBytes: record.livePeakBytes,
      livePeakKind: record.livePeakKind,
      totalBytes: record.allocatedBytes,
      allocationCount: attribution?.allocationCount ?? 0,
      samplingInterval: context.samplingInterval,
      ...(record.limit ? { limit: { spec: record.limit.spec, bytes: record.limit.bytes, exceeded: record.limit.exceeded, ...(record.limit.measure ? { measure: record.limit.measure } : {}) } } : {}),
      rootDir: context.rootDir,
    },
  }
}
