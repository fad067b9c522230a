import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pc from 'picocolors'
import { HeapmarkError } from '../errors.js'
import { resolveOptions } from '../core/config/options.js'
import { ReportCollector } from '../core/run/collector.js'
import { closeResultChannel, openResultChannel, ResultChannelReader } from '../core/run/result-channel.js'
import { prepareRunOutputs } from '../core/run/run-outputs.js'
import { RESULT_CHANNEL_ENV } from '../core/run/result-channel.js'
import { TEST_RUNNERS_ENV, type JestFileBatch, type JestRunSettings } from '../jest/run-settings.js'

/** heapmark's Jest test runner, the one of this install (CommonJS, as Jest loads runners). */
const TEST_RUNNER_PATH = fileURLToPath(new URL('../jest/test-runner.cjs', import.meta.url))

/** What `jest --showConfig` prints (the parts heapmark reads). */
interface ShownConfig {
  version?: string
  globalConfig: { rootDir: string }
  configs: Array<{ id: string; rootDir: string; displayName?: { name?: string } | string; testRunner: string }>
}

export interface JestRun {
  /** The command's arguments, with heapmark's test runner added. */
  args: string[]
  /**
   * After Jest exits: prints the report from what the workers sent, unless heapmark's reporter in
   * the project's config already reported this run (`reporterRan`: it wrote the run marker).
   */
  finish(reporterRan: boolean): Promise<void>
}

/**
 * `heapmark run -- jest ...` on any Jest project, with or without heapmark in its config. Jest's
 * CLI can name a test runner, so the wrapper passes heapmark's, which wraps each project's own
 * runner (jest-circus) and adds heapmark to whatever environment Jest built for each file. The
 * wrapper learns each project's runner from `jest --showConfig` (the user's Jest, config and
 * arguments, projects included), opens the result channel the workers write to, and reports the
 * run after Jest exits. Environments, reporters (with their options) and projects stay as
 * configured: only `--testRunner` is added. Returns undefined for commands that are not Jest.
 */
export function prepareJestRun(command: string[], env: NodeJS.ProcessEnv): JestRun | undefined {
  const [file, ...args] = command
  if (!file) return undefined
  const rootDir = process.cwd()
  const options = prepareRunOutputs(resolveOptions({}, env), rootDir)
  if (!options.enabled) return undefined
  const shown = showConfig(file, args, env)
  // jasmine sends no circus events, so its tests could not be measured: refused rather than silent.
  // (A runner of your own is wrapped like circus: it usually calls circus.)
  const jasmine = shown.configs.filter((config) => /[\\/]jest-jasmine2[\\/]/.test(config.testRunner))
  if (jasmine.length > 0) {
    throw new HeapmarkError(
      'HEAPMARK_JEST_CONFIG',
      `heapmark measures tests through jest-circus, Jest's default test runner, but ${jasmine.map((config) => `${projectName(config)} uses ${config.testRunner}`).join('; ')}. ` +
        'Remove testRunner from those projects (or run the others with --selectProjects).',
    )
  }
  const jestVersion = shown.version ?? 'unknown'
  const collector = new ReportCollector(options, () => ({ name: 'jest', version: jestVersion }), () => shown.globalConfig.rootDir)
  const settings: JestRunSettings = { options, jestVersion, journalDir: collector.journalDir }
  const channel = openResultChannel(settings, env)
  // However the run ends (Jest may not even start).
  process.once('exit', () => rmSync(channel, { recursive: true, force: true }))
  env[TEST_RUNNERS_ENV] = JSON.stringify(Object.fromEntries(shown.configs.map((config) => [config.id, config.testRunner])))
  return {
    args: [...args, `--testRunner=${TEST_RUNNER_PATH}`],
    async finish(reporterRan) {
      if (reporterRan) return closeResultChannel(channel, env)
      const batches = new ResultChannelReader<JestFileBatch>(channel).readNew()
      for (const batch of batches) {
        for (const { identity, record, attribution } of batch.tests) collector.add(identity, record, attribution)
        collector.addRetention(batch.file, batch.retention)
      }
      closeResultChannel(channel, env)
      if (batches.length === 0) {
        console.error('heapmark: Jest ran no test file with heapmark, so nothing was measured.')
        return
      }
      // On stderr, after Jest's own output there, as heapmark's Jest reporter prints it.
      await collector.finish({ log: (text) => console.error(text), color: pc.isColorSupported })
    },
  }
}

/** The project configs of this Jest command: its own `--showConfig`, with the user's arguments. */
function showConfig(file: string, args: string[], env: NodeJS.ProcessEnv): ShownConfig {
  const childEnv = { ...env }
  delete childEnv[RESULT_CHANNEL_ENV]
  const shown = spawnSync(file, [...args, '--showConfig'], { env: childEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if ((shown.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `cannot run ${JSON.stringify(file)}: command not found (looked in node_modules/.bin and PATH)`)
  }
  const failure = shown.error?.message ?? (shown.status !== 0 ? lastLines(shown.stderr || shown.stdout) : undefined)
  if (failure === undefined) {
    try {
      const parsed = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{'))) as ShownConfig
      if (Array.isArray(parsed.configs) && parsed.globalConfig) return parsed
    } catch {
      // Not Jest's JSON: reported below.
    }
  }
  throw new HeapmarkError(
    'HEAPMARK_JEST_CONFIG',
    `could not read the Jest config (\`${[file, ...args, '--showConfig'].join(' ')}\` ${failure ? 'failed' : 'printed no config'}), so heapmark cannot switch Jest on:\n${failure ?? lastLines(shown.stdout)}`,
  )
}

function projectName(config: ShownConfig['configs'][number]): string {
  const name = typeof config.displayName === 'string' ? config.displayName : config.displayName?.name
  return name ? `project "${name}"` : `the project in ${config.rootDir}`
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-12).join('\n')
}
