import pc from 'picocolors'
import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { ReportCollector } from '../core/run/collector.js'
import type { TestState } from '../core/report/model.js'
import { testProperties } from '../core/report/test-properties.js'
import { memoryFacts } from '../core/report/memory-facts.js'
import type { ResolvedHeapmarkOptions } from '../core/config/options.js'
import './meta.js'
import { reportedProjectName, testName } from './test-names.js'

/** Marks our reporter so a config loaded once per project does not add it twice. */
export const REPORTER_MARK = Symbol.for('heapmark.reporter')

/** Main-process side: hands each file's results to the core's collector as the file ends. */
export class HeapmarkReporter implements Reporter {
  readonly [REPORTER_MARK] = true
  private vitest: Vitest | undefined
  private readonly collector: ReportCollector
  /** Vitest's JUnit reporter writes each test's annotations as <property> elements. */
  private junitProperties = false
  /** Vitest's UI or HTML reporter is on: each test's memory goes into its task meta for them. */
  private uiVisible = false

  constructor(options: ResolvedHeapmarkOptions) {
    this.collector = new ReportCollector(
      options,
      () => ({ name: 'vitest', version: this.vitest?.version ?? 'unknown' }),
      () => this.vitest?.config.root ?? process.cwd(),
    )
  }

  get journalDir(): string {
    return this.collector.journalDir
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest
    this.junitProperties = hasReporter(vitest, 'junit')
    this.uiVisible = showsInUi(vitest)
  }

  /** Modules already handed to the collector in this run. */
  private readonly collected = new Set<string>()

  onTestRunStart(): void {
    this.collector.reset()
    this.collected.clear()
  }

  onTestModuleEnd(module: TestModule): void {
    this.collected.add(module.moduleId)
    const root = this.vitest?.config.root ?? process.cwd()
    const attributions = module.meta().heapmarkAttribution ?? {}
    const file = relativePath(root, module.moduleId)
    const projectName = this.vitest ? reportedProjectName(this.vitest, module.project) : undefined
    for (const test of module.children.allTests()) {
      const record = test.meta().heapmark
      if (!record) continue
      const name = testName(projectName, file, [test.fullName])
      // Known when includeTaskLocation is on (the plugin turns it on in GitHub Actions).
      const location = test.location
      const identity = { id: test.id, name, file, state: toState(test.result().state), location }
      const result = this.collector.add(identity, record, attributions[test.id])
      // Added in the main process only, before JUnit writes its file at the end of the run.
      if (this.junitProperties) {
        // The public TestCase only reads annotations (the runner adds them); its task is the
        // object JUnit writes from, present in Vitest 4 and 5 though not in the types.
        const task = (test as unknown as { task?: { annotations?: Array<{ type: string; message: string }> } }).task
        for (const { name, value } of testProperties(result)) task?.annotations?.push({ type: name, message: value })
      }
    }
    const retention = module.meta().heapmarkRetention
    if (retention) this.collector.addRetention(file, retention)
    // The live task objects the HTML reporter writes out at the end of the run ("Test Meta" in its
    // test view); retention is only known now that the file has ended.
    if (this.uiVisible) {
      for (const test of module.children.allTests()) {
        const result = this.collector.result(test.id)
        if (result) test.meta().heapmarkMemory = memoryFacts(result)
      }
    }
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule> = []): Promise<void> {
    // A module whose worker died never ends, but the tests it finished before are in its state.
    for (const module of modules) if (!this.collected.has(module.moduleId)) this.onTestModuleEnd(module)
    const vitest = this.vitest
    await this.collector.finish({
      log: (text) => (vitest ? vitest.logger.log(text) : console.log(text)),
      warn: (text) => (vitest ? vitest.logger.warn(text) : console.warn(text)),
      color: pc.isColorSupported,
    })
  }
}

function hasReporter(vitest: Vitest, name: string): boolean {
  return (vitest.config.reporters as unknown[]).some((r) => r === name || (Array.isArray(r) && r[0] === name))
}

/** Where Vitest shows per-test annotations and task meta: its UI (`--ui`) and its HTML reporter. */
export function showsInUi(vitest: Vitest): boolean {
  return vitest.config.ui === true || hasReporter(vitest, 'html')
}

function toState(state: string): TestState {
  return state === 'passed' || state === 'failed' || state === 'skipped' ? state : 'unknown'
}

function relativePath(root: string, file: string): string {
  return file.startsWith(root + '/') ? file.slice(root.length + 1) : file
}
