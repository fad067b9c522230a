import { parseArgs } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  cliFlagsForParseArgs,
  OPTION_SPECS,
  optionsFromParsedFlags,
  optionsToEnv,
  resolveOptions,
  type HeapmarkOptions,
} from '../../../../src/core/config/options.js'

const DEFAULTS = {
  enabled: false,
  mostAllocations: 5,
  stacks: 1,
  hideSummary: false,
  json: undefined,
  samplingInterval: 16384,
  binPath: undefined,
  binPrefix: '',
  failOnIncrease: false,
  increaseTolerance: '10%',
  increaseMeasure: 'used',
  historyPath: undefined,
  preciseRetention: false,
  limit: undefined,
  livePeak: false,
  precise: false,
}

describe('resolveOptions', () => {
  it('uses the defaults when nothing is set', () => {
    expect(resolveOptions(undefined, {})).toEqual(DEFAULTS)
  })

  it('takes config values', () => {
    const config: HeapmarkOptions = {
      enabled: true, mostAllocations: 0, stacks: 3, hideSummary: true, json: 'out/memory.json', samplingInterval: '4 KiB',
      binPath: 'caps', binPrefix: 'ci-', failOnIncrease: true, increaseTolerance: '2 MB', historyPath: 'h.json', preciseRetention: true, livePeak: true, precise: true,
    }
    expect(resolveOptions(config, {})).toEqual({
      enabled: true, mostAllocations: 0, stacks: 3, hideSummary: true, json: 'out/memory.json', samplingInterval: 4096,
      binPath: 'caps', binPrefix: 'ci-', failOnIncrease: true, increaseTolerance: 2 * 1024 * 1024, increaseMeasure: 'used', historyPath: 'h.json', preciseRetention: true, livePeak: true, precise: true,
    })
  })

  it('reads every option from its environment variable', () => {
    const env = {
      HEAPMARK: '1',
      HEAPMARK_MOST_ALLOCATIONS: '10',
      HEAPMARK_STACKS: '4',
      HEAPMARK_HIDE_SUMMARY: 'yes',
      HEAPMARK_JSON: 'report.json',
      HEAPMARK_SAMPLING_INTERVAL: '8 KiB',
      HEAPMARK_BIN_PATH: 'captures',
      HEAPMARK_BIN_PREFIX: 'pr-',
      HEAPMARK_FAIL_ON_INCREASE: 'on',
      HEAPMARK_INCREASE_TOLERANCE: ' 25 % ',
      HEAPMARK_INCREASE_MEASURE: ' Live ',
      HEAPMARK_HISTORY: 'ci/history.json',
      HEAPMARK_PRECISE_RETENTION: 'true',
      HEAPMARK_LIVE_PEAK: '1',
      HEAPMARK_PRECISE: 'yes',
    }
    expect(resolveOptions(undefined, env)).toEqual({
      enabled: true, mostAllocations: 10, stacks: 4, hideSummary: true, json: 'report.json', samplingInterval: 8192,
      binPath: 'captures', binPrefix: 'pr-', failOnIncrease: true, increaseTolerance: '25%', increaseMeasure: 'live', historyPath: 'ci/history.json', preciseRetention: true, livePeak: true, precise: true,
    })
  })

  it('lets the environment override the config', () => {
    const resolved = resolveOptions({ enabled: true, stacks: 2 }, { HEAPMARK: 'off', HEAPMARK_STACKS: '7' })
    expect(resolved.enabled).toBe(false)
    expect(resolved.stacks).toBe(7)
  })

  it('treats an empty environment variable as unset', () => {
    expect(resolveOptions({ stacks: 2 }, { HEAPMARK_STACKS: '', HEAPMARK_JSON: '' })).toMatchObject({ stacks: 2, json: undefined })
  })

  it('ignores config keys whose value is undefined', () => {
    expect(resolveOptions({ stacks: undefined }, {})).toEqual(DEFAULTS)
  })

  it.each([
    ['1', true], ['true', true], ['YES', true], ['On', true],
    ['0', false], ['false', false], ['no', false], ['OFF', false],
  ])('reads boolean env value %j as %s', (value, expected) => {
    expect(resolveOptions(undefined, { HEAPMARK: value }).enabled).toBe(expected)
  })

  it('accepts a plain byte count for the sampling interval from the environment', () => {
    expect(resolveOptions(undefined, { HEAPMARK_SAMPLING_INTERVAL: '4096' }).samplingInterval).toBe(4096)
    expect(resolveOptions({ samplingInterval: 2048 }, {}).samplingInterval).toBe(2048)
  })

  it.each([
    [{ HEAPMARK: 'maybe' }, /Invalid value "maybe" for environment variable HEAPMARK: expected 1\/0, true\/false, yes\/no or on\/off$/],
    [{ HEAPMARK_STACKS: '0' }, /"0" for environment variable HEAPMARK_STACKS: expected a whole number >= 1/],
    [{ HEAPMARK_STACKS: '1.5' }, /"1.5" for environment variable HEAPMARK_STACKS/],
    [{ HEAPMARK_MOST_ALLOCATIONS: '-1' }, /"-1" for environment variable HEAPMARK_MOST_ALLOCATIONS: expected a whole number >= 0 \(0 means all\)/],
    [{ HEAPMARK_MOST_ALLOCATIONS: 'all' }, /"all"/],
    [{ HEAPMARK_SAMPLING_INTERVAL: '32 B' }, /"32 B" for environment variable HEAPMARK_SAMPLING_INTERVAL: expected .*from 64 B to 1.0 MiB/],
    [{ HEAPMARK_SAMPLING_INTERVAL: '2 MiB' }, /"2 MiB"/],
    [{ HEAPMARK_SAMPLING_INTERVAL: 'fast' }, /"fast"/],
    [{ HEAPMARK_JSON: '   ' }, /"   " for environment variable HEAPMARK_JSON: expected a non-empty path/],
  ])('rejects bad environment %j', (env, message) => {
    expect(() => resolveOptions(undefined, env)).toThrowError(expect.objectContaining({ code: 'HEAPMARK_INVALID_OPTION', message: expect.stringMatching(message) }))
  })

  it.each([
    [{ enabled: 'yes' }, /Invalid value "yes" for heapmark option "enabled": expected true or false/],
    [{ stacks: '2' }, /"2" for heapmark option "stacks": expected a whole number >= 1/],
    [{ stacks: 2.5 }, /2.5 for heapmark option "stacks"/],
    [{ mostAllocations: Number.NaN }, /NaN for heapmark option "mostAllocations"/],
    [{ hideSummary: 1 }, /1 for heapmark option "hideSummary": expected true or false/],
    [{ json: 42 }, /42 for heapmark option "json": expected a non-empty path/],
    [{ samplingInterval: '4096' }, /"4096" for heapmark option "samplingInterval"/], // strings need a unit in code
    [{ samplingInterval: 10 }, /10 for heapmark option "samplingInterval"/],
    [{ samplingInterval: true }, /true for heapmark option "samplingInterval"/],
  ])('rejects bad config %j', (config, message) => {
    expect(() => resolveOptions(config as HeapmarkOptions, {})).toThrowError(
      expect.objectContaining({ code: 'HEAPMARK_INVALID_OPTION', message: expect.stringMatching(message) }),
    )
  })

  it('rejects a config that is not an object', () => {
    expect(() => resolveOptions('stacks=2' as unknown as HeapmarkOptions, {})).toThrowError(/Invalid heapmark options "stacks=2"/)
  })

  it('rejects unknown config keys, suggesting the closest one', () => {
    expect(() => resolveOptions({ stack: 2 } as HeapmarkOptions, {})).toThrowError(
      expect.objectContaining({
        code: 'HEAPMARK_UNKNOWN_OPTION',
        message: 'Unknown heapmark option "stack". Did you mean "stacks"? Accepted options: enabled, mostAllocations, stacks, hideSummary, json, samplingInterval, binPath, binPrefix, failOnIncrease, increaseTolerance, increaseMeasure, historyPath, preciseRetention, limit, livePeak, precise',
      }),
    )
    expect(() => resolveOptions({ HideSumary: true } as HeapmarkOptions, {})).toThrowError(/Did you mean "hideSummary"\?/)
  })

  it('does not suggest anything for keys that are far from every option', () => {
    expect(() => resolveOptions({ colour: true } as HeapmarkOptions, {})).toThrowError(/^Unknown heapmark option "colour". Accepted options:/)
  })
})

describe('optionsToEnv', () => {
  it('writes each set option to its variable, normalised', () => {
    expect(optionsToEnv({ enabled: true, stacks: 3, hideSummary: false, json: 'a.json', samplingInterval: '8 KiB' })).toEqual({
      HEAPMARK: '1', HEAPMARK_STACKS: '3', HEAPMARK_HIDE_SUMMARY: '0', HEAPMARK_JSON: 'a.json', HEAPMARK_SAMPLING_INTERVAL: '8192',
    })
  })

  it('round-trips through resolveOptions', () => {
    const options = { enabled: true, mostAllocations: 0, stacks: 2, hideSummary: true, json: 'x.json', samplingInterval: 512, binPath: 'b', binPrefix: 'p-', failOnIncrease: true, increaseTolerance: 4096, increaseMeasure: 'used' as const, historyPath: 'h.json', preciseRetention: false, livePeak: true, precise: true }
    expect(resolveOptions(undefined, optionsToEnv(options))).toEqual(options)
  })

  it('increaseMeasure: "used" or "live" from every place; "live" turns livePeak on (only precise live peaks are compared)', () => {
    expect(resolveOptions({ increaseMeasure: 'live' }, {})).toMatchObject({ increaseMeasure: 'live', livePeak: true })
    expect(resolveOptions({ increaseMeasure: 'live' }, { HEAPMARK_INCREASE_MEASURE: 'used' })).toMatchObject({ increaseMeasure: 'used', livePeak: false })
    expect(optionsToEnv(optionsFromParsedFlags({ 'increase-measure': 'LIVE' }))).toEqual({ HEAPMARK_INCREASE_MEASURE: 'live' })
    const accepted = 'expected "used" (used peaks) or "live" (live peaks)'
    expect(() => resolveOptions({ increaseMeasure: 'alive' } as unknown as HeapmarkOptions, {})).toThrowError(`Invalid value "alive" for heapmark option "increaseMeasure": ${accepted}`)
    expect(() => resolveOptions({}, { HEAPMARK_INCREASE_MEASURE: 'heap' })).toThrowError(`Invalid value "heap" for environment variable HEAPMARK_INCREASE_MEASURE: ${accepted}`)
    expect(() => optionsFromParsedFlags({ 'increase-measure': 'peak' })).toThrowError(`Invalid value "peak" for --increase-measure: ${accepted}`)
  })

  it('rejects a malformed tolerance, naming what is accepted', () => {
    for (const bad of ['ten percent', '-5%', '%', '', 0, -1]) {
      expect(() => resolveOptions({ increaseTolerance: bad as string }, {})).toThrowError(/heapmark option "increaseTolerance": expected a share of the old peak like "10%", or a size like "2 MB"/)
    }
    expect(() => resolveOptions(undefined, { HEAPMARK_INCREASE_TOLERANCE: '10 %%' })).toThrowError(/environment variable HEAPMARK_INCREASE_TOLERANCE/)
  })

  it('validates what it is given', () => {
    expect(() => optionsToEnv({ stacks: 0 })).toThrowError(/heapmark option "stacks"/)
  })
})

describe('CLI flags', () => {
  it('declares one parseArgs option per flag in the table', () => {
    const flags = cliFlagsForParseArgs()
    expect(flags).toEqual({
      limit: { type: 'string' },
      'most-allocations': { type: 'string' },
      stacks: { type: 'string' },
      'hide-summary': { type: 'boolean' },
      json: { type: 'string' },
      'sampling-interval': { type: 'string' },
      'bin-path': { type: 'string' },
      'bin-prefix': { type: 'string' },
      'fail-on-increase': { type: 'boolean' },
      'increase-tolerance': { type: 'string' },
      'increase-measure': { type: 'string' },
      'history-path': { type: 'string' },
      'precise-retention': { type: 'boolean' },
      'live-peak': { type: 'boolean' },
      precise: { type: 'boolean' },
    })
    expect(Object.keys(flags)).toHaveLength(OPTION_SPECS.filter((spec) => spec.flag !== null).length)
  })

  it('converts parsed flags into validated options', () => {
    const { values } = parseArgs({
      args: ['--most-allocations', '0', '--stacks=3', '--hide-summary', '--json', 'm.json', '--sampling-interval', '4 KiB', '--other'],
      options: { ...cliFlagsForParseArgs(), other: { type: 'boolean' } },
    })
    expect(optionsFromParsedFlags(values)).toEqual({ mostAllocations: 0, stacks: 3, hideSummary: true, json: 'm.json', samplingInterval: 4096 })
  })

  it('returns nothing for flags that were not given', () => {
    expect(optionsFromParsedFlags({})).toEqual({})
  })

  it('names the flag in errors', () => {
    expect(() => optionsFromParsedFlags({ stacks: 'many' })).toThrowError(
      expect.objectContaining({ code: 'HEAPMARK_INVALID_OPTION', message: 'Invalid value "many" for --stacks: expected a whole number >= 1' }),
    )
    expect(() => optionsFromParsedFlags({ json: '' })).toThrowError(/"" for --json/)
  })

  it('lets the last of repeated flags win', () => {
    expect(optionsFromParsedFlags({ stacks: ['2', '5'] })).toEqual({ stacks: 5 })
  })
})

describe('the default limit (limit)', () => {
  it('keeps the spelling for messages, the bytes for verdicts, and where it was set', () => {
    expect(resolveOptions({ limit: '48 MB' }, {}).limit).toEqual({ spec: '48 MB', bytes: 48 * 1024 * 1024, from: 'heapmark option "limit"' })
    expect(resolveOptions({ limit: 1024 }, {}).limit).toEqual({ spec: '1024', bytes: 1024, from: 'heapmark option "limit"' })
    expect(resolveOptions({}, { HEAPMARK_LIMIT: '2 GiB' }).limit).toEqual({ spec: '2 GiB', bytes: 2 * 1024 ** 3, from: 'HEAPMARK_LIMIT' })
  })

  it('takes CLI > environment > config, and "off" anywhere switches it off', () => {
    expect(resolveOptions({ limit: '48 MB' }, { HEAPMARK_LIMIT: '64 MB' }).limit?.spec).toBe('64 MB')
    expect(resolveOptions({ limit: '48 MB' }, { HEAPMARK_LIMIT: 'off' }).limit).toBeUndefined()
    expect(resolveOptions({ limit: 'off' }, {}).limit).toBeUndefined()
    expect(resolveOptions({ limit: null }, {}).limit).toBeUndefined()
    // heapmark run writes its flags into the environment of the runner it starts.
    const env = optionsToEnv(optionsFromParsedFlags({ limit: '32 MB' }))
    expect(resolveOptions({ limit: '48 MB' }, env).limit?.spec).toBe('32 MB')
    expect(optionsToEnv(optionsFromParsedFlags({ limit: 'OFF' }))).toEqual({ HEAPMARK_LIMIT: 'off' })
  })

  it('rejects a bad value from every place, naming it and what is accepted', () => {
    const accepted = 'expected a size like "48 MB" or a number of bytes, optionally followed by "live" (judge the live peak) or "used" (the default), or "off"'
    expect(() => resolveOptions({ limit: '48 MX' }, {})).toThrowError(`Invalid value "48 MX" for heapmark option "limit": ${accepted}`)
    expect(() => resolveOptions({}, { HEAPMARK_LIMIT: '-1 MB' })).toThrowError(`Invalid value "-1 MB" for environment variable HEAPMARK_LIMIT: ${accepted}`)
    expect(() => optionsFromParsedFlags({ limit: 'lots' })).toThrowError(`Invalid value "lots" for --limit: ${accepted}`)
    expect(() => resolveOptions({ limit: 0 }, {})).toThrowError(/Invalid value 0 for heapmark option "limit"/)
    expect(() => resolveOptions({ limit: true } as unknown as HeapmarkOptions, {})).toThrowError(/Invalid value true/)
  })

  it('"<size> live" (or { bytes, measure: "live" } in config) judges the live peak, from every place', () => {
    const live = { spec: '48 MB', bytes: 48 * 1024 * 1024, measure: 'live' }
    expect(resolveOptions({ limit: '48 MB live' }, {}).limit).toEqual({ ...live, from: 'heapmark option "limit"' })
    expect(resolveOptions({ limit: { bytes: '48 MB', measure: 'live' } }, {}).limit).toEqual({ ...live, from: 'heapmark option "limit"' })
    expect(resolveOptions({}, { HEAPMARK_LIMIT: ' 48 MB  LIVE ' }).limit).toEqual({ ...live, from: 'HEAPMARK_LIMIT' })
    expect(resolveOptions({}, optionsToEnv(optionsFromParsedFlags({ limit: '48 MB live' }))).limit).toEqual({ ...live, from: 'HEAPMARK_LIMIT' })
    // "used" is the default, said out loud.
    expect(resolveOptions({ limit: '48 MB used' }, {}).limit).toEqual({ spec: '48 MB', bytes: 48 * 1024 * 1024, from: 'heapmark option "limit"' })
    expect(resolveOptions({ limit: { bytes: 4096 } }, {}).limit).toEqual({ spec: '4096', bytes: 4096, from: 'heapmark option "limit"' })
  })

  it('refuses a bad measure in every place, naming it', () => {
    const measure = /expected a size like "48 MB" or a number of bytes, optionally followed by "live".*\(unknown measure "alive": a limit judges "used" \(the used peak, the default\) or "live" \(the live peak\)\)$/
    expect(() => resolveOptions({ limit: '48 MB alive' }, {})).toThrowError(measure)
    expect(() => resolveOptions({}, { HEAPMARK_LIMIT: '48 MB alive' })).toThrowError(measure)
    expect(() => optionsFromParsedFlags({ limit: '48 MB alive' })).toThrowError(measure)
    expect(() => resolveOptions({ limit: '48 MB liv' }, {})).toThrowError(/unknown measure "liv"/)
    const object = /for heapmark option "limit": expected \{ bytes: "48 MB" \(or a number of bytes\), measure: "live" or "used" \}/
    expect(() => resolveOptions({ limit: { bytes: '48 MB', measure: 'alive' } } as unknown as HeapmarkOptions, {})).toThrowError(object)
    expect(() => resolveOptions({ limit: { bytes: '48 MB live', measure: 'live' } }, {})).toThrowError(object)
    expect(() => resolveOptions({ limit: { size: '48 MB' } } as unknown as HeapmarkOptions, {})).toThrowError(object)
  })
})

describe('OPTION_SPECS', () => {
  it('has one entry per option with a HEAPMARK env variable and a description', () => {
    const keys = OPTION_SPECS.map((spec) => spec.key)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.sort()).toEqual(Object.keys(DEFAULTS).sort())
    for (const spec of OPTION_SPECS) {
      expect(spec.env).toMatch(/^HEAPMARK(_[A-Z]+)*$/)
      expect(spec.description.length).toBeGreaterThan(10)
    }
  })
})
