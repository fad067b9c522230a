import { appendFileSync, existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeResultChannel, joinResultChannel, openResultChannel, RESULT_CHANNEL_ENV, ResultChannelReader, sendResults } from '../../../../src/core/run/result-channel.js'

describe('result channel', () => {
  it('carries settings to workers and batches back, each read once, in order', () => {
    const env: NodeJS.ProcessEnv = {}
    const dir = openResultChannel({ stacks: 2 }, env)
    try {
      expect(env[RESULT_CHANNEL_ENV]).toBe(dir)
      expect(joinResultChannel(env)).toEqual({ dir, settings: { stacks: 2 } })
      const reader = new ResultChannelReader<{ n: number }>(dir)
      expect(reader.readNew()).toEqual([])
      sendResults(dir, { n: 1 })
      sendResults(dir, { n: 2 })
      expect(reader.readNew()).toEqual([{ n: 1 }, { n: 2 }])
      expect(reader.readNew()).toEqual([])
      sendResults(dir, { n: 3 })
      expect(reader.readNew()).toEqual([{ n: 3 }])
    } finally {
      closeResultChannel(dir, env)
    }
    expect(existsSync(dir)).toBe(false)
    expect(env[RESULT_CHANNEL_ENV]).toBeUndefined()
  })

  it('leaves a line a worker is still writing for the next read', () => {
    const env: NodeJS.ProcessEnv = {}
    const dir = openResultChannel({}, env)
    try {
      const reader = new ResultChannelReader<{ n: number }>(dir)
      sendResults(dir, { n: 1 })
      const [file] = readdirSync(dir).filter((name) => name.endsWith('.jsonl'))
      appendFileSync(path.join(dir, file!), '{"n":')
      expect(reader.readNew()).toEqual([{ n: 1 }])
      appendFileSync(path.join(dir, file!), '2}\n')
      expect(reader.readNew()).toEqual([{ n: 2 }])
    } finally {
      closeResultChannel(dir, env)
    }
  })

  it('a worker that outlives its run sends the next run\'s batches to the next channel, and back', () => {
    const env: NodeJS.ProcessEnv = {}
    const first = openResultChannel({}, env)
    const second = openResultChannel({}, {})
    try {
      const firstReader = new ResultChannelReader<{ n: number }>(first)
      const secondReader = new ResultChannelReader<{ n: number }>(second)
      sendResults(first, { n: 1 })
      sendResults(second, { n: 2 })
      sendResults(second, { n: 3 })
      sendResults(first, { n: 4 })
      expect(firstReader.readNew()).toEqual([{ n: 1 }, { n: 4 }])
      expect(secondReader.readNew()).toEqual([{ n: 2 }, { n: 3 }])
    } finally {
      closeResultChannel(first, env)
      closeResultChannel(second, {})
    }
  })

  it('a channel already gone at a worker\'s first send fails it loudly (the worker says so and carries on)', () => {
    const env: NodeJS.ProcessEnv = {}
    const dir = openResultChannel({}, env)
    closeResultChannel(dir, env)
    expect(() => sendResults(dir, { n: 1 })).toThrow(/ENOENT/)
  })

  it('workers ignore a channel that is gone (a stale variable)', () => {
    expect(joinResultChannel({})).toBeUndefined()
    expect(joinResultChannel({ [RESULT_CHANNEL_ENV]: '/nonexistent/heapmark-results' })).toBeUndefined()
  })
})
