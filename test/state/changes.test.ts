/** What changed, on plain data: pure functions of (state, samples, now). */
import { describe, expect, test } from '@jest/globals'
import { biggestChanges, biggestChangesLine, computeChanges } from '../../src/state/changes.js'
import { countOf, snapshotCount, timeOf } from '../../src/state/format.js'
import { nextState } from '../../src/state/run-state.js'
import type { Sample } from '../../src/model.js'

const DAY = 86_400
const NOW = 1_765_000_000
const jack = { network: 'x' as const, key: 'jack', handle: 'jack' }
const at = (timestamp: number, followers_count: number, status_count?: number): Sample => ({
  account: jack,
  timestamp,
  metrics: status_count === undefined ? { followers_count } : { followers_count, status_count }
})

/** The state after runs at the given times with the given followers. */
function history(runs: [number, number][]) {
  return runs.reduce<ReturnType<typeof nextState> | undefined>(
    (state, [time, followers]) => nextState(state, { prefix: 'twitter', samples: [at(time, followers, 10)], undelivered: [], now: time }),
    undefined
  )
}

describe('the changes of an account', () => {
  test('no state: everything is null', () => {
    expect(computeChanges(undefined, [at(NOW, 5)], ['followers_count'], NOW)).toEqual([
      { account: 'jack', network: 'x', sincePrevious: null, since24h: null, since7d: null }
    ])
  })

  test('since the previous run only, until a snapshot is a day old', () => {
    const state = history([[NOW - 600, 100]])
    expect(computeChanges(state, [at(NOW, 150, 12)], ['followers_count', 'status_count', 'media_count'], NOW)[0]).toEqual({
      account: 'jack',
      network: 'x',
      sincePrevious: { followers_count: 50, status_count: 2 },
      since24h: null,
      since7d: null
    })
  })

  test('a day later and a week later: against the newest snapshot at least 24 hours and 7 days old', () => {
    const runs: [number, number][] = Array.from({ length: 9 }, (_, d) => [NOW - (8 - d) * DAY - 3600, 1000 + d * 10])
    const state = history(runs)
    const [change] = computeChanges(state, [at(NOW, 2000)], ['followers_count'], NOW)
    // One run a day, the last an hour ago (1080): the newest at least a day old is the one before (1070), at least a week old the second (1010).
    expect(change).toMatchObject({ sincePrevious: { followers_count: 920 }, since24h: { followers_count: 930 }, since7d: { followers_count: 990 } })
  })

  test('a metric the earlier snapshot did not have is null, not a guess', () => {
    const state = nextState(undefined, { prefix: 'twitter', samples: [at(NOW - 600, 100)], undelivered: [], now: NOW - 600 })
    expect(computeChanges(state, [at(NOW, 120, 7)], ['followers_count', 'status_count'], NOW)[0]?.sincePrevious).toEqual({
      followers_count: 20,
      status_count: null
    })
  })

  test('daily snapshots: the first values of each UTC day, the last nine days kept', () => {
    const runs: [number, number][] = Array.from({ length: 24 }, (_, i) => [NOW - 12 * DAY + i * (DAY / 2), i])
    const memory = history(runs)!.accounts.get('x:jack')!
    expect(snapshotCount(memory.daily)).toBe(9)
    expect(new Set(Array.from({ length: 9 }, (_, i) => Math.floor(timeOf(memory.daily, i) / DAY))).size).toBe(9)
    expect(countOf(memory.last, 'followers_count')).toBe(23)
  })
})

describe('the biggest changes', () => {
  const change = (account: string, previous: number | null, day: number | null) => ({
    account,
    network: 'x' as const,
    sincePrevious: previous === null ? null : { followers_count: previous },
    since24h: day === null ? null : { followers_count: day },
    since7d: null
  })

  test('over 24 hours when known, else since the previous run; biggest first, no zeros', () => {
    expect(biggestChanges([change('a', 5, null), change('b', -9, null), change('c', 0, null)])).toEqual({
      over: 'previous',
      gains: [{ account: 'a', network: 'x', change: 5 }],
      losses: [{ account: 'b', network: 'x', change: -9 }]
    })
    expect(biggestChanges([change('a', 5, 50), change('b', 1, 70), change('c', -1, null)]).gains.map((m) => m.account)).toEqual(['b', 'a'])
    expect(biggestChangesLine([change('a', 5, 50), change('b', -3, -7)], () => 'X')).toBe('Followers over 24 hours: gains a (X) +50; losses b (X) -7.')
    expect(biggestChangesLine([change('a', 0, null)], () => 'X')).toBe('Followers since the previous run: no account gained or lost any.')
  })
})
