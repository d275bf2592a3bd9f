/** The state is input like any other: every kind of unusable state is one problem, and a good one reads back whole. */
import { describe, expect, test } from '@jest/globals'
import { gzipSync } from 'node:zlib'
import { countOf, encodeState, snapshotCount, snapshotOf, stateJson, timeOf, type RunState, type Snapshots } from '../../src/state/format.js'
import { decodeState } from '../../src/state/validate.js'
import { MAX_STATE_BYTES } from '../../src/state/store.js'
import { nextState } from '../../src/state/run-state.js'
import type { Sample } from '../../src/model.js'

const NOW = 1_765_000_000
const WHERE = 'the file state.json'

function sample(i: number, followers: number, at = NOW): Sample {
  return {
    account: { network: 'x', key: `account_${i}`, handle: `account_${i}` },
    timestamp: at,
    id: String(1_500_000_000_000_000_000n + BigInt(i)),
    name: `account_${i}`,
    metrics: { followers_count: followers, friends_count: 512 + i, status_count: 23_456 + i, listed_count: 40, favourites_count: 34_567 + i, media_count: 1234 }
  }
}

function state(): RunState {
  const first = nextState(undefined, { prefix: 'twitter', samples: [sample(1, 100, NOW - 86_400)], undelivered: [], now: NOW - 86_400 })
  const series = [{ metric: 'twitter.followers_count', type: 3 as const, points: [{ timestamp: NOW, value: 150 }], tags: ['account:account_1', 'network:x'] }]
  return nextState(first, { prefix: 'twitter', samples: [sample(1, 150)], undelivered: [{ collectedAt: NOW, series }], now: NOW })
}

const decode = (bytes: Uint8Array, prefix = 'twitter') => decodeState(bytes, prefix, NOW, WHERE)
const problemOf = (bytes: Uint8Array, prefix = 'twitter'): string => {
  const decoded = decode(bytes, prefix)
  if (decoded.kind !== 'unusable') throw new Error('expected an unusable state')
  return decoded.problem
}
const json = (value: unknown): Uint8Array => gzipSync(JSON.stringify(value))

describe('reading a state', () => {
  test('a state reads back as it was written: ids, names, last values, daily snapshots and the series owed', () => {
    const written = state()
    const decoded = decode(encodeState(written))
    expect(decoded).toEqual({ kind: 'ok', state: written })
    const memory = written.accounts.get('x:account_1')!
    expect([timeOf(memory.daily, 0), timeOf(memory.daily, 1)]).toEqual([NOW - 86_400, NOW])
    expect(snapshotCount(memory.daily)).toBe(2)
    expect(countOf(memory.last, 'followers_count')).toBe(150)
  })

  test('a state unpacked by hand (plain JSON) is read too', () => {
    expect(decode(Buffer.from(stateJson(state())))).toEqual({ kind: 'ok', state: state() })
  })

  test('a truncated state is one problem that says so, and what the run does', () => {
    const bytes = encodeState(state())
    expect(problemOf(bytes.subarray(0, bytes.length - 20))).toMatch(
      /^The state in the file state\.json cannot be unpacked \(.*\): it is truncated or damaged\. This run delivers as if there were no state and replaces it with its own at the end\.$/
    )
    expect(problemOf(Buffer.from(stateJson(state()).slice(0, 200)))).toContain('is not complete JSON: it is truncated or damaged')
  })

  test('a damaged, foreign, newer or other-prefix state is refused, each with its reason', () => {
    expect(problemOf(Buffer.from('\u0000\u0001binary'))).toContain('is neither gzip nor JSON')
    expect(problemOf(json({ version: 1, accounts: {} }))).toContain('was not written by twitter-stats')
    expect(problemOf(json([1, 2, 3]))).toContain('was not written by twitter-stats')
    const good = JSON.parse(stateJson(state())) as Record<string, unknown>
    expect(problemOf(json({ ...good, version: 2 }))).toContain('was written by a newer twitter-stats (state version 2; this one reads version 1)')
    expect(problemOf(encodeState(state()), 'social')).toContain('was written for the metric prefix "twitter", and this run\'s is "social"')
    const accounts = good.accounts as Record<string, Record<string, unknown>>
    const broken = { ...good, accounts: { 'x:account_1': { ...accounts['x:account_1'], last: [NOW, 1, 2] } } }
    expect(problemOf(json(broken))).toContain(
      'is damaged: accounts["x:account_1"].last is not a list of at most 1 snapshot(s) of 7 numbers (a time, then 6 values)'
    )
    expect(problemOf(json({ ...good, accounts: { 'x:a': { last: [], daily: [] } } }))).toContain('is damaged: accounts["x:a"].last holds no snapshot')
    expect(problemOf(json({ ...good, accounts: { 'x:a': { last: [NOW, -1, 0, 0, 0, 0, 0], daily: [] } } }))).toContain('is not a count')
    // The place of a damaged field, built only when one is.
    const zeros = [0, 0, 0, 0, 0, 0]
    expect(problemOf(json({ ...good, accounts: { 'x:a': { last: [NOW, 1, 0, 2.5, 0, 0, 0], daily: [] } } }))).toContain(
      'is damaged: accounts["x:a"].last[3] is not a count'
    )
    expect(
      problemOf(
        json({
          ...good,
          accounts: {
            'x:a': {
              last: [NOW, ...zeros],
              daily: [NOW, ...zeros, NOW + 10 * 86_400, ...zeros]
            }
          }
        })
      )
    ).toContain('is damaged: accounts["x:a"].daily[7] is not a time in Unix seconds up to now')
    const backwards = [NOW, ...zeros, NOW - 60, ...zeros]
    expect(problemOf(json({ ...good, accounts: { 'x:a': { last: [NOW, ...zeros], daily: backwards } } }))).toContain(
      'is damaged: accounts["x:a"].daily[7] is not later than the snapshot before it'
    )
    expect(problemOf(json({ ...good, accounts: { 'nowhere:a': { last: [NOW, 1, 0, 0, 0, 0, 0], daily: [] } } }))).toContain('is not network:account')
    expect(problemOf(json({ ...good, writtenAt: NOW + 10 * 86_400 }))).toContain('writtenAt is not a time in Unix seconds up to now')
    expect(
      problemOf(
        json({
          ...good,
          undelivered: [{ collectedAt: NOW, series: [{ metric: 'twitter.followers_count', type: 3, points: [{ timestamp: NOW, value: 'x' }], tags: [] }] }]
        })
      )
    ).toContain('undelivered[0].series[0].points[0] is not { timestamp, value }')
  })

  test('metrics in another order, or only some of them, are read into their own places', () => {
    const good = JSON.parse(stateJson(state())) as Record<string, unknown>
    const reordered = {
      ...good,
      metrics: ['media_count', 'followers_count'],
      accounts: { 'x:a': { last: [NOW, 7, 150], daily: [NOW - 86_400, null, 100, NOW, 7, 150] } }
    }
    const decoded = decode(json(reordered))
    if (decoded.kind !== 'ok') throw new Error(decoded.problem)
    const memory = decoded.state.accounts.get('x:a')!
    expect(memory.last).toEqual([NOW, 150, null, null, null, null, 7])
    expect(memory.daily).toEqual([NOW - 86_400, 100, null, null, null, null, null, NOW, 150, null, null, null, null, 7])
    expect(countOf(memory.daily, 'followers_count', 0)).toBe(100)
  })

  test('a state larger than a state may be is refused without being unpacked', () => {
    expect(problemOf(new Uint8Array(MAX_STATE_BYTES + 1))).toContain(`more than a state's ${MAX_STATE_BYTES}`)
  })

  test('a gzip bomb is refused at the unpacked limit', () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20))
    expect(problemOf(bomb)).toContain('cannot be unpacked')
  })
})

describe('the size of a state', () => {
  test('10,000 accounts with nine daily snapshots each stay under 4 MiB', () => {
    let current: RunState | undefined
    for (let day = 8; day >= 0; day--) {
      const at = NOW - day * 86_400
      const samples = Array.from({ length: 10_000 }, (_, i) => sample(i, 10_000 + i * 37 + (8 - day) * (i % 97), at))
      current = nextState(current, { prefix: 'twitter', samples, undelivered: [], now: at })
    }
    const bytes = encodeState(current!)
    expect(snapshotCount(current!.accounts.get('x:account_5')!.daily)).toBe(9)
    expect(bytes.length).toBeLessThan(4 * 1024 * 1024)
    expect(decode(bytes).kind).toBe('ok')
  })
})

describe('the text of a state', () => {
  test("is JSON.stringify of the format's object, each account written as text", () => {
    const metrics = ['followers_count', 'friends_count', 'status_count', 'listed_count', 'favourites_count', 'media_count'] as const
    // Each snapshot its time, then its values in the order of `metrics`; a list of them one after another.
    const wire = (list: Snapshots) =>
      Array.from({ length: snapshotCount(list) }, (_, i) => [timeOf(list, i), ...metrics.map((m) => countOf(list, m, i) ?? null)]).flat()
    const state: RunState = {
      prefix: 'social.stats',
      writtenAt: NOW,
      accounts: new Map([
        ['x:jack', { id: '12', name: 'Jäck "the" \u2028 ✓', last: snapshotOf(NOW, { followers_count: 0, media_count: 7 }), daily: [] }],
        [
          'bluesky:alice.bsky.social',
          {
            last: snapshotOf(NOW, {}),
            daily: [...snapshotOf(NOW - 86_400, { friends_count: 3 }), ...snapshotOf(NOW, {})]
          }
        ],
        ['mastodon:u@i.social', { name: 'u', last: snapshotOf(NOW, { status_count: 1e15 }), daily: snapshotOf(NOW, { status_count: 1e15 }) }]
      ]),
      undelivered: [
        { collectedAt: NOW, series: [{ metric: 'social.stats.followers_count', type: 3, points: [{ timestamp: NOW, value: 1 }], tags: ['account:jack'] }] }
      ]
    }
    const accounts = Object.fromEntries(
      [...state.accounts].map(([key, m]) => [
        key,
        { ...(m.id === undefined ? {} : { id: m.id }), ...(m.name === undefined ? {} : { name: m.name }), last: wire(m.last), daily: wire(m.daily) }
      ])
    )
    const expected = JSON.stringify({
      format: 'twitter-stats state',
      version: 1,
      prefix: 'social.stats',
      metrics,
      accounts,
      undelivered: state.undelivered,
      writtenAt: NOW
    })
    expect(stateJson(state)).toBe(expected)
    expect(stateJson({ ...state, accounts: new Map() })).toBe(JSON.stringify({ ...(JSON.parse(expected) as object), accounts: {} }))
  })
})
