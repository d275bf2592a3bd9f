/** A state's bytes begun ahead (while the run waits on Datadog) are those of encodeState, and only for their state. */
import { describe, expect, test } from '@jest/globals'
import { gunzipSync } from 'node:zlib'
import { startEncoding } from '../../src/state/encoding.js'
import { accountTexts, encodeState, stateJson, type RunState } from '../../src/state/format.js'
import { nextState } from '../../src/state/run-state.js'
import { decodeState } from '../../src/state/validate.js'
import type { Sample } from '../../src/model.js'

const NOW = 1_765_000_000

function sample(i: number): Sample {
  return {
    account: { network: 'x', key: `u${i}`, handle: `u${i}` },
    timestamp: NOW,
    id: String(i + 1),
    name: `u${i}`,
    metrics: { followers_count: 100 + i, media_count: i }
  }
}

function stateOf(count: number): RunState {
  const series = [{ metric: 'twitter.followers_count', type: 3 as const, points: [{ timestamp: NOW, value: 1 }], tags: ['account:u0'] }]
  const samples = Array.from({ length: count }, (_, i) => sample(i))
  return nextState(undefined, { prefix: 'twitter', samples, undelivered: [{ collectedAt: NOW, series }], now: NOW })
}

/** The encoding of `state`, its accounts added `size` at a time. */
async function encodedInSlices(state: RunState, size: number): Promise<Uint8Array | undefined> {
  const encoding = startEncoding(state.prefix, state.accounts)
  const entries = [...state.accounts]
  for (let start = 0; start < entries.length; start += size) encoding.add(accountTexts(entries.slice(start, start + size)))
  return encoding.finish(state)
}

describe('a state encoded ahead', () => {
  test.each([
    ['no account', 0, 1],
    ['one account', 1, 1],
    ['accounts added one slice at a time', 25, 7],
    ['accounts added at once', 25, 100]
  ])('%s: the same text as encodeState, read back whole', async (_, count, size) => {
    const state = stateOf(count)
    const bytes = await encodedInSlices(state, size)
    expect(bytes).toBeDefined()
    expect(gunzipSync(bytes!).toString('utf8')).toBe(stateJson(state))
    expect(gunzipSync(bytes!).toString('utf8')).toBe(gunzipSync(encodeState(state)).toString('utf8'))
    expect(decodeState(bytes!, 'twitter', NOW, 'the file state')).toEqual({ kind: 'ok', state })
  })

  test('gives bytes only for its own state: other accounts, or a second state, are encoded by the caller', async () => {
    const state = stateOf(3)
    const encoding = startEncoding(state.prefix, state.accounts)
    encoding.add(accountTexts([...state.accounts]))
    expect(encoding.finish({ ...state, accounts: new Map(state.accounts) })).toBeUndefined()
    const first = encoding.finish(state)
    expect(first).toBeDefined()
    // Asked again for the same state (a save retried), the same bytes; for another state, none.
    expect(encoding.finish(state)).toBe(first)
    expect(encoding.finish({ ...state, undelivered: [] })).toBeUndefined()
    expect(gunzipSync((await first)!).toString('utf8')).toBe(stateJson(state))
    // Discarded once finished, its bytes stay what they were.
    encoding.discard()
    expect(gunzipSync((await encoding.finish(state))!).toString('utf8')).toBe(stateJson(state))
  })

  test("discarded unfinished (another run's save was merged in), it gives no bytes, so none are awaited from a freed stream", () => {
    const state = stateOf(2)
    const encoding = startEncoding(state.prefix, state.accounts)
    encoding.add(accountTexts([...state.accounts]))
    encoding.discard()
    expect(encoding.finish(state)).toBeUndefined()
  })
})
