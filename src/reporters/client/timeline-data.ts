/**
 * The timeline page's data, read once from the page (TimelineData), and the state each worker's
 * chart keeps. Shared by timeline.ts (the charts), timeline-text.ts and timeline-details.ts.
 */
import type { TimelineData, TimelineWorker } from '../page-data.js'
import { readPageData } from './page.js'

export const MiB = 1024 * 1024
export const data = readPageData<TimelineData>()
export const { files, frames, tests } = data

/** A file's run of consecutive points on the x axis. */
export interface Run { start: number; end: number; file: number }

/** One worker's chart and what it drew, for hover, click and redraw. */
export interface WorkerView {
  w: TimelineWorker
  selected: number
  /** Per point, how many tests the worker had finished by then (the x axis numbers). */
  ordinal: number[]
  runs: Run[]
  /** Points whose test kept at least data.hot bytes, biggest first. */
  hot: number[]
  tested: number
  section: HTMLElement
  chart: HTMLDivElement
  details: HTMLDivElement
  chips?: HTMLButtonElement[]
  // Set by render().
  svg?: SVGSVGElement
  guide?: SVGElement
  focus?: SVGElement
  ring?: SVGElement
  x?: (i: number) => number
  y?: (bytes: number | null) => number
  step?: number
}
