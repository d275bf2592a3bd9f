/** Bluesky and Mastodon beside X: account forms, collection, and a mixed list through the action (its source, in-process). */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { parseAccounts, parseAccountEntry } from '../../src/config/accounts.js'
import { ConfigError } from '../../src/text/errors.js'
import { accountTags } from '../../src/series/metrics.js'
import { startBlueskyStandIn, startMastodonStandIn, type BlueskyProfile } from '../support/network-stand-ins.js'
import { fakeClock } from '../support/clock.js'
import { runActionInProcess as runAction } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type StandIn, type XStandIn } from '../support/stand-ins.js'

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

describe('account forms', () => {
  test.each([
    ['jack', 'x', 'jack'],
    ['@Jack', 'x', 'jack'],
    ['https://x.com/jack', 'x', 'jack'],
    ['https://twitter.com/Jack/', 'x', 'jack'],
    ['x:jack', 'x', 'jack'],
    ['alice.bsky.social', 'bluesky', 'alice.bsky.social'],
    ['@Alice.bsky.social', 'bluesky', 'alice.bsky.social'],
    [DID, 'bluesky', DID],
    ['https://bsky.app/profile/alice.bsky.social', 'bluesky', 'alice.bsky.social'],
    [`https://bsky.app/profile/${DID}`, 'bluesky', DID],
    ['bluesky:nasa.gov', 'bluesky', 'nasa.gov'],
    ['user@mastodon.social', 'mastodon', 'user@mastodon.social'],
    ['@User@Mastodon.Social', 'mastodon', 'user@mastodon.social'],
    ['https://fosstodon.org/@anna', 'mastodon', 'anna@fosstodon.org'],
    ['mastodon:anna@fosstodon.org', 'mastodon', 'anna@fosstodon.org']
  ])('%s is a %s account keyed %s', (entry, network, key) => {
    expect(parseAccountEntry(entry)).toMatchObject({ network, key })
  })

  test.each([
    'not-a-user!',
    'a@b@c',
    'user@nodot',
    'x:has.dot',
    'bluesky:no_underscores_.bsky.social',
    'did:plc:short',
    'https://example.com/profile',
    'mastodon:jack',
    '1.2.3.4'
  ])('%s fits no network and is refused naming the entry and the accepted forms', (entry) => {
    let error: unknown
    try {
      parseAccounts(`jack, ${entry}`)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(JSON.stringify(entry))
    expect((error as Error).message).toContain('Accepted forms: X: jack')
  })

  test('the same account in different spellings counts once, per network', () => {
    const accounts = parseAccounts('jack @JACK https://x.com/jack alice.bsky.social @alice.bsky.social user@m.social @USER@m.social jack.bsky.social')
    expect(accounts.map((a) => `${a.network}:${a.key}`)).toEqual(['x:jack', 'bluesky:alice.bsky.social', 'mastodon:user@m.social', 'bluesky:jack.bsky.social'])
  })

  test('Mastodon accounts are tagged with the user and the instance, in characters Datadog keeps', () => {
    expect(accountTags(parseAccountEntry('Anna@Fosstodon.org')!)).toEqual(['account:anna_fosstodon.org', 'network:mastodon', 'instance:fosstodon.org'])
    expect(accountTags(parseAccountEntry('alice.bsky.social')!)).toEqual(['account:alice.bsky.social', 'network:bluesky'])
  })
})

describe('a mixed list through the action', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  let bsky: StandIn
  let masto: StandIn
  const profiles: BlueskyProfile[] = [
    { did: DID, handle: 'alice.bsky.social', followersCount: 700, followsCount: 70, postsCount: 7000 },
    { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', handle: 'bob.example.com', followersCount: 800, followsCount: 80, postsCount: 8000 }
  ]

  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    dd = await startDatadogStandIn()
    bsky = await startBlueskyStandIn(profiles)
    masto = await startMastodonStandIn([
      { username: 'anna', followers_count: 300, following_count: 30, statuses_count: 3000 },
      { username: 'banned', followers_count: 5, following_count: 5, statuses_count: 5, suspended: true },
      ...Array.from({ length: 6 }, (_, i) => ({ username: `member${i}`, followers_count: i, following_count: i, statuses_count: i }))
    ])
  })
  afterEach(async () => {
    await Promise.all([x.close(), dd.close(), bsky.close(), masto.close()])
  })

  function inputs(extra: Record<string, string>): Record<string, string> {
    return {
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-site': dd.url,
      'x-api-url': x.url,
      'bluesky-api-url': bsky.url,
      'mastodon-api-url': masto.url,
      ...extra
    }
  }

  test('X, Bluesky and Mastodon with a missing account on each: the right series, one warning each, exit 0', async () => {
    const result = await runAction(inputs({ accounts: 'jack ghost_x alice.bsky.social ghost.bsky.social anna@one.social ghost@one.social banned@two.social' }))
    expect(result.code).toBe(0)
    for (const missing of [
      'X account ghost_x was not found',
      'Bluesky account ghost.bsky.social was not found',
      'Mastodon account ghost@one.social was not found'
    ]) {
      expect(result.stdout).toContain(missing)
    }
    expect(result.stdout).toContain('Mastodon account banned@two.social is suspended')
    const followers = dd.series.filter((s) => s.metric === 'twitter.followers_count')
    expect(followers.map((s) => [s.tags, s.points[0]!.value])).toEqual([
      [['account:jack', 'network:x'], 1001],
      [['account:alice.bsky.social', 'network:bluesky'], 700],
      [['account:anna_one.social', 'network:mastodon', 'instance:one.social'], 300]
    ])
    // Bluesky and Mastodon have followers, following and posts only.
    const accountSeries = dd.series.filter((s) => !s.metric.startsWith('twitter.collector.'))
    expect(
      accountSeries
        .filter((s) => s.tags.includes('network:bluesky'))
        .map((s) => s.metric)
        .sort()
    ).toEqual(['twitter.followers_count', 'twitter.friends_count', 'twitter.status_count'])
    // The collector's own series count the failures per network and reason.
    const failed = (network: string, reason: string): number | undefined =>
      dd.series.find((s) => s.metric === 'twitter.collector.accounts_failed' && s.tags.includes(`network:${network}`) && s.tags.includes(`reason:${reason}`))
        ?.points[0]!.value
    expect([
      failed('x', 'not_found'),
      failed('bluesky', 'not_found'),
      failed('mastodon', 'not_found'),
      failed('mastodon', 'suspended'),
      failed('x', 'error')
    ]).toEqual([1, 1, 1, 1, 0])
    expect(result.outputs['accounts-collected']).toBe('3')
    expect(result.outputs['accounts-failed']).toBe('4')
  })

  test('Bluesky and Mastodon need no credentials at all in a dry run', async () => {
    const result = await runAction({
      accounts: 'alice.bsky.social anna@one.social',
      'dry-run': 'true',
      'bluesky-api-url': bsky.url,
      'mastodon-api-url': masto.url
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/twitter\.followers_count 700 @\d+ \[account:alice\.bsky\.social,network:bluesky\]/)
    expect(result.stdout).toMatch(/twitter\.status_count 3000 @\d+ \[account:anna_one\.social,network:mastodon,instance:one\.social\]/)
    expect(x.requests).toHaveLength(0)
  })

  test('X credentials are still required when the list has X accounts', async () => {
    const result = await runAction({ accounts: 'alice.bsky.social jack', 'dry-run': 'true', 'bluesky-api-url': bsky.url })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('X credentials are missing for the X accounts in the list (jack)')
    expect(bsky.requests).toHaveLength(0)
  })

  test('Bluesky is asked for 25 actors per request, by DID or handle', async () => {
    const many = Array.from({ length: 29 }, (_, i) => `user${i}.bsky.social`)
    const result = await runAction(inputs({ accounts: [DID, ...many].join(',') }))
    expect(bsky.requests).toHaveLength(2)
    expect(new URL(bsky.requests[0]!.url, 'http://h').searchParams.getAll('actors')).toHaveLength(25)
    expect(result.stdout).toContain('Bluesky account user28.bsky.social was not found')
    expect(dd.series.find((s) => s.metric === 'twitter.followers_count')!.tags).toEqual([`account:${DID}`, 'network:bluesky'])
  })

  test('at most two requests are in flight on one Mastodon instance', async () => {
    const result = await runAction(inputs({ accounts: Array.from({ length: 6 }, (_, i) => `member${i}@big.social`).join(' ') }))
    expect(result.code).toBe(0)
    expect(masto.requests).toHaveLength(6)
    expect(masto.inFlightPeak).toBeLessThanOrEqual(2)
    expect(masto.inFlightPeak).toBeGreaterThanOrEqual(1)
  })

  test('a Mastodon 429 waits until X-RateLimit-Reset, then the account is collected', async () => {
    masto.override = (_request, index) =>
      index === 0
        ? { status: 429, headers: { 'x-ratelimit-reset': new Date(Date.now() + 1000).toISOString() }, body: JSON.stringify({ error: 'Too many requests' }) }
        : undefined
    const clock = fakeClock()
    const result = await runAction(inputs({ accounts: 'anna@one.social' }), {}, clock)
    expect(result.code).toBe(0)
    expect(masto.requests).toHaveLength(2)
    // One wait: until the reset (about 1 s away), plus at most 1 s of spread.
    expect(clock.sleeps).toHaveLength(1)
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(900)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(2000)
    expect(dd.series.some((s) => s.tags.includes('account:anna_one.social'))).toBe(true)
  })

  test('a Bluesky rate limit that resets later than the wait fails those accounts and says when it resets', async () => {
    bsky.override = () => ({
      status: 429,
      headers: { 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      body: JSON.stringify({ error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' })
    })
    const result = await runAction(inputs({ accounts: 'jack alice.bsky.social', 'rate-limit-max-wait': '5' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/Bluesky rate limit is exhausted and resets at \d{4}-\d\d-\d\dT/)
    expect(dd.series.some((s) => s.tags.includes('account:jack'))).toBe(true)
  })

  test('an instance that refuses anonymous reads is reported as such, once, and the rest are sent', async () => {
    masto.override = () => ({ status: 401, body: JSON.stringify({ error: 'This API requires an authenticated user' }) })
    const result = await runAction(inputs({ accounts: 'jack anna@locked.social member1@locked.social' }))
    expect(result.code).toBe(1)
    const refusals = result.stdout.split('\n').filter((line) => line.includes('refuses anonymous reads'))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toContain('Mastodon instance locked.social refuses anonymous reads (401: "This API requires an authenticated user")')
    expect(dd.series.some((s) => s.tags.includes('account:jack'))).toBe(true)
  })

  test('plain http to a remote Bluesky or Mastodon URL is refused before any request', async () => {
    const result = await runAction(
      inputs({ accounts: 'alice.bsky.social', 'bluesky-api-url': 'http://appview.example.net', 'mastodon-api-url': 'http://10.0.0.1:3000' })
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('`bluesky-api-url` uses plain http://')
    expect(result.stdout).toContain('`mastodon-api-url` uses plain http://')
    expect(bsky.requests).toHaveLength(0)
  })
})
