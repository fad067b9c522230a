/**
 * picocolors' createColors, loaded at first use. Loading picocolors reads `process.stdout.isTTY`,
 * which creates the stdout stream in a process that had not touched it yet: each node:test test
 * file's process paid ~2.7 ms for that, a tenth of heapmark's cost per such process
 * (docs/measuring.md). Test workers colour nothing until a limit fails, so most never load it.
 */
import type Picocolors from 'picocolors'

export type Colors = ReturnType<typeof Picocolors.createColors>

let picocolors: typeof Picocolors | undefined

export function createColors(enabled: boolean): Colors {
  // Node's module API fetched here, not imported: browser-mode pages import the limit code that
  // imports this module, and only Node processes ever colour anything.
  picocolors ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)('picocolors') as typeof Picocolors
  return picocolors.createColors(enabled)
}

let plain: Colors | undefined

/** No colour at all (failure messages, annotations): made once, at first use. */
export function plainColors(): Colors {
  return (plain ??= createColors(false))
}
