import { afterEach, describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { chunk, createXSource, readLookup } from '../../src/sources/x.js'
import { X_TOKEN, metricsFor, startXStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn | undefined
afterEach(async () => x?.close())

describe('X lookups', () => {
  test('1,000 accounts take exactly 10 requests of 100 usernames, at most `concurrency` at once', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `user_${i}`)
    x = await startXStandIn(Object.fromEntries(names.map((n, i) => [n, metricsFor(i)])))
    // Slow answers, so that requests sent together are in flight together.
    x.override = (_request, _index, normal) => ({ ...normal(), delayMs: 100 })
    const source = createXSource({ auth: { kind: 'bearer', token: X_TOKEN }, apiUrl: x.url, policy: DEFAULT_POLICY, concurrency: 3, deps: realHttpDeps })
    const result = await source.collect(parseAccounts(names.join(',')))
    expect(x.inFlightPeak).toBe(3)
    expect(x.requests).toHaveLength(10)
    for (const request of x.requests) expect(new URL(request.url, 'http://h').searchParams.get('usernames')!.split(',')).toHaveLength(100)
    expect(result.samples).toHaveLength(1000)
    expect(result.failures).toEqual([])
    expect(result.samples.find((s) => s.account.key === 'user_999')!.metrics.followers_count).toBe(1999)
    expect(result.rateLimitRemaining).toBe(890)
  })

  test('chunk splits into batches of the given size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
  })
})

describe('readLookup (a 200 answer)', () => {
  const batch = parseAccounts('Jack nasa gone ghost')

  test('maps public_metrics to our names, matching usernames case-insensitively (a renamed case)', () => {
    const result = readLookup(
      {
        data: [{ username: 'JACK', public_metrics: { followers_count: 5, following_count: 6, post_count: 7, listed_count: 8, like_count: 9, media_count: 10 } }]
      },
      batch.slice(0, 1),
      42
    )
    expect(result.samples).toEqual([
      {
        account: batch[0],
        timestamp: 42,
        metrics: { followers_count: 5, friends_count: 6, status_count: 7, listed_count: 8, favourites_count: 9, media_count: 10 },
        name: 'JACK'
      }
    ])
  })

  test('not found and suspended become per-account failures with distinct reasons; absent accounts are reported', () => {
    const result = readLookup(
      {
        data: [{ username: 'nasa', public_metrics: { followers_count: 1 } }],
        errors: [
          { value: 'gone', detail: 'User has been suspended: [gone].', title: 'Forbidden', type: 'https://api.twitter.com/2/problems/resource-not-found' },
          {
            value: 'jack',
            detail: 'Could not find user with usernames: [jack].',
            title: 'Not Found Error',
            type: 'https://api.twitter.com/2/problems/resource-not-found'
          }
        ]
      },
      batch,
      1
    )
    expect(result.failures.map((f) => [f.accounts.map((a) => a.key), f.reason])).toEqual([
      [['gone'], 'suspended'],
      [['jack'], 'not_found'],
      [['ghost'], 'error']
    ])
    expect(result.samples.map((s) => s.account.key)).toEqual(['nasa'])
  })

  test('a user returned twice counts once; invalid values are dropped with a warning', () => {
    const result = readLookup(
      {
        data: [
          { username: 'nasa', public_metrics: { followers_count: 1, following_count: -1, tweet_count: 'x', listed_count: 2 ** 60 } },
          { username: 'nasa', public_metrics: { followers_count: 999 } }
        ]
      },
      [batch[1]!],
      1
    )
    expect(result.samples).toHaveLength(1)
    expect(result.samples[0]!.metrics).toEqual({ followers_count: 1 })
    expect(result.warnings).toHaveLength(3)
    expect(result.warnings[0]).toContain('invalid following_count for nasa')
  })
})
