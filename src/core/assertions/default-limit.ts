import { readFileSync } from 'node:fs'
import path from 'node:path'
import { HeapmarkError } from '../../errors.js'
import type { MemoryLimit } from '../measure/measurer.js'
import { LIMIT_OFF, type DefaultLimit } from '../config/options.js'
import { LIMIT_MEASURE_HINT, measureProblem, parseLimitText } from '../config/limit-text.js'

/**
 * The limit a test gets without its own limitMemory: the run's `limit` option, or its file's
 * `@heapmark-limit` comment, which wins over it.
 *
 * Why a comment and not a call: per-file settings in Jest and Vitest are docblock pragmas
 * (`@jest-environment`, `@vitest-environment`), so users look for one there. A comment is read
 * before any of the file runs and belongs to exactly one file by construction, whereas a call made
 * while a file is imported cannot tell which file it is in when a runner imports several files
 * before running them (Vitest collects all of a worker's files first) and would depend on import
 * order. It also works unchanged in all three runners, and in files that run with heapmark off.
 */
export const FILE_LIMIT_PRAGMA = '@heapmark-limit'

/** A default limit as applied to one test: where it came from goes into the report and the failure message. */
export interface AppliedDefaultLimit extends MemoryLimit {
  /** `default`: the run's `limit` option; `file`: the test file's `@heapmark-limit` comment. */
  origin: 'default' | 'file'
  /** "HEAPMARK_LIMIT", `heapmark option "limit"`, or "@heapmark-limit at test/big.test.ts:1". */
  from: string
}

/** What applies to a file's tests: a limit, none, or a bad comment that fails each of them. */
export interface FileLimit {
  limit?: AppliedDefaultLimit
  error?: HeapmarkError
}

/** The `@heapmark-limit` comment of a file's source, if it has one; `misplaced` when it follows code. */
export function findLimitPragma(source: string): { value: string; line: number; misplaced: boolean } | undefined {
  const head = leadingComments(source)
  const inHead = pragmaIn(head)
  if (inHead) return { ...inHead, misplaced: false }
  // One after the first line of code would be silently ignored: say so instead. Only comment
  // lines count, so a test that mentions the word in a string is not mistaken for one.
  const later = /^[ \t]*(?:\/\/+|\/\*+|\*)[ \t]*@heapmark-limit\b[ \t]*(.*)$/m.exec(source.slice(head.length))
  if (!later) return undefined
  return { value: cleanValue(later[1]!), line: lineAt(source, head.length + later.index), misplaced: true }
}

/** Resolves and caches, per test file, the limit its tests get. */
export class DefaultLimits {
  private readonly files = new Map<string, FileLimit>()

  constructor(
    private readonly runDefault: DefaultLimit | undefined,
    private readonly rootDir: string,
  ) {}

  /** `file`: relative to the root directory, as in TestIdentity. */
  forFile(file: string): FileLimit {
    let found = this.files.get(file)
    if (!found) this.files.set(file, (found = this.resolve(file)))
    return found
  }

  /** Forget the files read so far (a watch-mode rerun may have edited their comments). */
  clear(): void {
    this.files.clear()
  }

  private resolve(file: string): FileLimit {
    const fromRun = this.runDefault
      ? {
          limit: {
            spec: this.runDefault.spec,
            bytes: this.runDefault.bytes,
            currentThreadOnly: false,
            ...(this.runDefault.measure ? { measure: this.runDefault.measure } : {}),
            origin: 'default' as const,
            from: this.runDefault.from,
          },
        }
      : {}
    let source: string
    try {
      source = readFileSync(path.resolve(this.rootDir, file), 'utf8')
    } catch {
      // Not a file on disk (a virtual module): no comment to read.
      return fromRun
    }
    const pragma = findLimitPragma(source)
    if (!pragma) return fromRun
    const where = `${FILE_LIMIT_PRAGMA} at ${file}:${pragma.line}`
    if (pragma.misplaced) {
      return { error: new HeapmarkError('HEAPMARK_INVALID_OPTION', `${where} comes after the file's first line of code, where it would be ignored: move it to a comment at the top of the file, before any import.`) }
    }
    if (pragma.value.toLowerCase() === LIMIT_OFF || pragma.value === 'null') return {}
    try {
      const { spec, bytes, measure } = parseLimitText(pragma.value)
      return { limit: { spec, bytes, currentThreadOnly: false, ...(measure ? { measure } : {}), origin: 'file', from: where } }
    } catch (error) {
      const measure = measureProblem(error)
      return {
        error: new HeapmarkError(
          'HEAPMARK_INVALID_OPTION',
          `Invalid value ${JSON.stringify(pragma.value)} for ${where}: expected a size like "48 MB" or a number of bytes, ${LIMIT_MEASURE_HINT}, or "${LIMIT_OFF}"${measure}`,
        ),
      }
    }
  }
}

/** The shebang, blank lines and comments before the first line of code. */
function leadingComments(source: string): string {
  const match = /^(?:#![^\n]*\n)?(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(source)
  return match?.[0] ?? ''
}

function pragmaIn(text: string): { value: string; line: number } | undefined {
  const match = /@heapmark-limit\b[ \t]*([^\n]*)/.exec(text)
  return match ? { value: cleanValue(match[1]!), line: lineAt(text, match.index) } : undefined
}

/** The value up to the end of its line or comment. */
function cleanValue(raw: string): string {
  return raw.replace(/\*\/.*$/, '').trim()
}

function lineAt(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}
