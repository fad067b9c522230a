import type { ReadCapture } from '../core/capture/reader.js'
import { buildCallTree, walkTree } from './call-tree.js'
import { captureTitle } from './capture-info.js'
import { frameKey } from './frames.js'

/**
 * `heapmark transform --format speedscope`: speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json). An allocation profile has no time axis,
 * so it is a "sampled" profile: one sample per allocating call path, weighted by its bytes, unit
 * "bytes". speedscope then shows bytes in its "Left Heavy" and "Sandwich" views.
 */
export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json'

export interface SpeedscopeFrame {
  name: string
  file?: string
  /** 1-based. */
  line?: number
  /** 1-based. */
  col?: number
}

export interface SpeedscopeSampledProfile {
  type: 'sampled'
  name: string
  unit: 'bytes'
  startValue: number
  endValue: number
  /** Frame indices, outermost first. */
  samples: number[][]
  weights: number[]
}

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA
  name: string
  exporter: string
  activeProfileIndex: number
  shared: { frames: SpeedscopeFrame[] }
  profiles: SpeedscopeSampledProfile[]
}

export function buildSpeedscope(capture: ReadCapture): SpeedscopeFile {
  const tree = buildCallTree(capture)
  const frames: SpeedscopeFrame[] = []
  const indexByKey = new Map<string, number>()
  const samples: number[][] = []
  const weights: number[] = []
  walkTree(tree, (node, ancestors) => {
    if (node.selfBytes <= 0) return
    samples.push([...ancestors, node].map((entry) => {
      const key = frameKey(entry.frame)
      let index = indexByKey.get(key)
      if (index === undefined) {
        index = frames.length
        indexByKey.set(key, index)
        const { functionName, file, line, column } = entry.frame
        frames.push({ name: functionName, ...(file ? { file } : {}), ...(line > 0 ? { line, col: column } : {}) })
      }
      return index
    }))
    weights.push(node.selfBytes)
  })
  const name = captureTitle(capture)
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    name,
    // The heapmark that wrote the capture: reporters import only core, not the package version.
    exporter: capture.metadata ? `heapmark@${capture.metadata.heapmarkVersion}` : 'heapmark',
    activeProfileIndex: 0,
    shared: { frames },
    profiles: [{ type: 'sampled', name: `${name}: allocated bytes`, unit: 'bytes', startValue: 0, endValue: tree.root.totalBytes, samples, weights }],
  }
}

export function renderSpeedscope(capture: ReadCapture): string {
  return `${JSON.stringify(buildSpeedscope(capture))}\n`
}
