/**
 * Column-aligned text tables for the terminal reporters. Cells are padded on their plain text
 * and painted afterwards, so colour escape codes never throw the alignment off.
 */
export interface TableCell {
  text: string
  paint?: (text: string) => string
}

export interface TableColumn {
  header: string
  align: 'left' | 'right'
}

export type TableRow = Array<TableCell | string>

export function renderTextTable(columns: readonly TableColumn[], rows: readonly TableRow[], paintHeader: (text: string) => string = (t) => t): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? { text: cell } : cell)))
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index]?.text.length ?? 0)))
  const pad = (text: string, index: number): string => {
    // The last left-aligned column is not padded: no trailing spaces at line ends.
    if (index === columns.length - 1 && columns[index]!.align === 'left') return text
    return columns[index]!.align === 'right' ? text.padStart(widths[index]!) : text.padEnd(widths[index]!)
  }
  const header = columns.map((column, index) => paintHeader(pad(column.header, index))).join('  ')
  const body = cells.map((row) =>
    columns.map((_, index) => {
      const cell = row[index] ?? { text: '' }
      const padded = pad(cell.text, index)
      return cell.paint ? cell.paint(padded) : padded
    }).join('  '),
  )
  return [header, ...body].join('\n')
}
