/** Number formats shared by the run report and the CLI reporters (sizes: size.ts formatSize). */

/** Compact counts: 950, 12.4k, 3.4M, 1.2G. */
export function formatCount(count: number): string {
  const suffixes = ['', 'k', 'M', 'G']
  let value = Math.round(count)
  if (Math.abs(value) < 1000) return String(value)
  let index = 0
  while (index < suffixes.length - 1 && Math.abs(Number(value.toFixed(1))) >= 1000) {
    value /= 1000
    index++
  }
  return `${value.toFixed(1)}${suffixes[index]}`
}

/** "12.3%"; "<0.1%" for small non-zero parts, so they do not read as nothing. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0.0%'
  const percent = (part / whole) * 100
  if (percent > 0 && percent < 0.05) return '<0.1%'
  return `${percent.toFixed(1)}%`
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
