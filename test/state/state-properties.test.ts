/**
 * Property-based tests of the state's format: whatever a run collects is written as a state the next run reads
 * back whole, and whatever the bytes hold, reading them is a state or one problem, never a crash, and a state
 * read is one that can be written and read again.
 */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { startEncoding } from '../../src/state/encoding.js'
import { accountTexts, countOf, encodeState, snapshotCount, stateJson, timeOf, type RunState } from '../../src/state/format.js'
import { nextState } from '../../src/state/run-state.js'
import { decodeState } from '../../src/state/validate.js'
import { METRIC_NAMES, type MetricName, type Sample } from '../../src/model.js'

const NOW = 1_765_000_000
const DAY = 86_400
const WHERE = 'the file state.json'

/** Any number a source could hand over for a metric, counts and otherwise. */
const anyValue = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 53, -0, NaN, Infinity))
const metrics = fc.dictionary(fc.constantFrom(...METRIC_NAMES), anyValue) as fc.Arbitrary<Partial<Record<MetricName, number>>>

/** A sample without its time: a history gives each run's samples theirs. */
const sample: fc.Arbitrary<Omit<Sample, 'timestamp'>> = fc
  .record({
    network: fc.constantFrom('x' as const, 'bluesky' as const, 'mastodon' as const),
    key: fc.stringMatching(/^[a-z0-9_.@]{1,20}$/),
    id: fc.option(fc.stringMatching(/^[0-9]{1,19}$/), { nil: undefined }),
    name: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
    metrics
  })
  .map(({ network, key, id, name, metrics: values }) => ({
    account: { network, key, handle: key },
    metrics: values,
    ...(id === undefined ? {} : { id }),
    ...(name === undefined ? {} : { name })
  }))

/** Runs from minutes to days apart, each collecting some accounts, the last at NOW: the state after the last. */
const history: fc.Arbitrary<RunState> = fc
  .array(fc.tuple(fc.integer({ min: 60, max: 3 * DAY }), fc.array(sample, { maxLength: 6 })), { minLength: 1, maxLength: 12 })
  .map((runs) => {
    let state: RunState | undefined
    let at = NOW - runs.reduce((total, [gap]) => total + gap, 0)
    for (const [gap, samples] of runs) {
      at += gap
      state = nextState(state, { prefix: 'twitter', samples: samples.map((s) => ({ ...s, timestamp: at })), undelivered: [], now: at })
    }
    return state!
  })

const decode = (bytes: Uint8Array) => decodeState(bytes, 'twitter', NOW, WHERE)

describe('the state a run writes', () => {
  test('reads back whole: every account, its snapshots and its counts, from either encoding', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.integer({ min: 1, max: 5 }), async (state, slice) => {
        expect(decode(encodeState(state))).toEqual({ kind: 'ok', state })
        const encoding = startEncoding(state.prefix, state.accounts)
        const entries = [...state.accounts]
        for (let start = 0; start < entries.length; start += slice) encoding.add(accountTexts(entries.slice(start, start + slice)))
        expect(decode((await encoding.finish(state))!)).toEqual({ kind: 'ok', state })
      }),
      { numRuns: 200 }
    )
  })
})

describe('the daily snapshots', () => {
  test("are the first run of each UTC day of the last nine, oldest first, whatever the runs' times", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 60, max: 2 * DAY }), { minLength: 1, maxLength: 30 }), (gaps) => {
        let at = NOW - gaps.reduce((total, gap) => total + gap, 0)
        let state: RunState | undefined
        const times: number[] = []
        for (const gap of gaps) {
          at += gap
          times.push(at)
          const samples = [{ account: { network: 'x' as const, key: 'jack', handle: 'jack' }, timestamp: at, metrics: { followers_count: times.length } }]
          state = nextState(state, { prefix: 'twitter', samples, undelivered: [], now: at })
        }
        const day = (t: number) => Math.floor(t / DAY)
        const lastDay = day(times.at(-1)!)
        const firstOfEachDay = times.filter((t, i) => i === 0 || day(times[i - 1]!) !== day(t)).filter((t) => day(t) > lastDay - 9)
        const daily = state!.accounts.get('x:jack')!.daily
        expect(Array.from({ length: snapshotCount(daily) }, (_, i) => timeOf(daily, i))).toEqual(firstOfEachDay)
        expect(Array.from({ length: snapshotCount(daily) }, (_, i) => countOf(daily, 'followers_count', i))).toEqual(
          firstOfEachDay.map((t) => times.indexOf(t) + 1)
        )
      }),
      { numRuns: 300 }
    )
  })
})

/** A state's JSON with the value at one place (an object's member or an array's item) replaced. */
function replaced(root: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof root !== 'object' || root === null) return value
  const [step, ...rest] = path as [number, ...number[]]
  if (Array.isArray(root)) {
    if (root.length === 0) return value
    const i = step % root.length
    return (root as unknown[]).map((item, j) => (j === i ? replaced(item, rest, value) : item))
  }
  const keys = Object.keys(root)
  if (keys.length === 0) return value
  const key = keys[step % keys.length]!
  return { ...root, [key]: replaced((root as Record<string, unknown>)[key], rest, value) }
}

describe('bytes that claim to be a state', () => {
  test('a field replaced by any JSON value: a state or one problem, and a state read is one that can be written again', () => {
    fc.assert(
      fc.property(history, fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue(), (state, path, value) => {
        const json = replaced(JSON.parse(stateJson(state)), path, value)
        const decoded = decode(gzipSync(JSON.stringify(json)))
        if (decoded.kind === 'unusable') {
          expect(decoded.problem).toMatch(/^The state in the file state\.json .+\. This run delivers as if there were no state/)
        } else {
          expect(decode(encodeState(decoded.state))).toEqual(decoded)
        }
      }),
      { numRuns: 500 }
    )
  })

  test('cut anywhere, or with any byte changed: a state or one problem, never a crash', () => {
    fc.assert(
      fc.property(history, fc.nat(), fc.integer({ min: 0, max: 255 }), (state, at, byte) => {
        const bytes = Buffer.from(encodeState(state))
        const cut = bytes.subarray(0, at % (bytes.length + 1))
        const changed = Buffer.from(bytes)
        changed[at % bytes.length] = byte
        for (const damaged of [cut, changed, Buffer.from(stateJson(state)).subarray(0, at % (stateJson(state).length + 1))]) {
          const decoded = decode(damaged)
          if (decoded.kind === 'ok') expect(decode(encodeState(decoded.state))).toEqual(decoded)
          else expect(decoded.problem).toContain('This run delivers as if there were no state')
        }
      }),
      { numRuns: 300 }
    )
  })
})
