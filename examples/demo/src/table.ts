export interface Row {
  id: number
  name: string
  score: number
}

/** Builds `count` rows: about 100 bytes each once the name strings are counted. */
export function buildTable(count: number): Row[] {
  const rows: Row[] = new Array(count)
  for (let i = 0; i < count; i++) rows[i] = { id: i, name: `row-${i}`, score: i * 0.5 }
  return rows
}

export function toCsv(rows: Row[]): string {
  return rows.map((row) => `${row.id},${row.name},${row.score}`).join('\n')
}

export function checksumBuffer(megabytes: number): number {
  const buffer = Buffer.alloc(megabytes * 1024 * 1024, 7)
  return buffer.reduce((sum, byte) => (sum + byte) % 65521, 0)
}
