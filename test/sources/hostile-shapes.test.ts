/**
 * Parsing never throws past a source: any JSON shape in any field of an X, Bluesky, Mastodon or
 * Datadog answer fails that account (or that call) alone, quoting the bad value cut short.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import type { Account } from '../../src/model.js'
import { parseAccounts } from '../../src/config/accounts.js'
import { describeApiRefusal, describeRefusal } from '../../src/datadog/refusals.js'
import { syncDashboard } from '../../src/datadog/provision.js'
import { DatadogApiError, type DatadogApi } from '../../src/datadog/v1-api.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import { createBlueskySource, readProfiles } from '../../src/sources/bluesky.js'
import { createMastodonSource } from '../../src/sources/mastodon.js'
import { readCounts } from '../../src/sources/shared.js'
import type { Collection } from '../../src/sources/types.js'
import { createXSource, readLookup } from '../../src/sources/x.js'
import { start, type Answer, type StandIn } from '../support/stand-ins.js'

/** An array nested `depth` deep, as JSON text: JSON.parse takes it, JSON.stringify and String() overflow the stack. */
const deepJson = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`
const deep = (depth: number): unknown => JSON.parse(deepJson(depth))

const deps: HttpDeps = { ...realHttpDeps, sleep: async () => {} }
const policy = { ...DEFAULT_POLICY, maxRetries: 0, timeoutMs: 5_000 }

/** Every account in exactly one place: a sample or a failure. */
function expectEachAccountOnce(collection: Collection, accounts: Account[]): void {
  const ids = [...collection.samples.map((s) => s.account.key), ...collection.failures.flatMap((f) => f.accounts.map((a) => a.key))]
  expect(ids.sort()).toEqual(accounts.map((a) => a.key).sort())
}

/** No message longer than a quote of a couple of hundred characters allows. */
function expectShortMessages(collection: Collection): void {
  for (const text of [...collection.warnings, ...collection.failures.map((f) => f.message)]) expect(text.length).toBeLessThan(1_000)
}

describe('readCounts', () => {
  test('a count that is an array nested 5,000 deep is dropped with a warning that quotes its shape', () => {
    const warnings: string[] = []
    const metrics = readCounts(
      { followers_count: deep(5_000), following_count: 3 },
      [
        ['followers_count', ['followers_count']],
        ['friends_count', ['following_count']]
      ],
      'X',
      'jack',
      warnings
    )
    expect(metrics).toEqual({ friends_count: 3 })
    expect(warnings).toEqual(['X returned an invalid followers_count for jack (an array of 1); that metric was not sent.'])
  })

  test.each([[-1], [1.5], [Number.POSITIVE_INFINITY], [2 ** 60], ['12'], [null], [true], [{ a: 1 }], ['x'.repeat(1_000_000)]])(
    'drops %p as a count, with a short warning',
    (value) => {
      const warnings: string[] = []
      expect(readCounts({ followers_count: value }, [['followers_count', ['followers_count']]], 'Bluesky', 'a.b', warnings)).toEqual({})
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.length).toBeLessThan(200)
    }
  )
})

describe('X user lookup answers of any shape', () => {
  const batch = parseAccounts('alice, bob, carol')

  test('a count nested 5,000 deep fails that metric alone; the other accounts are collected', () => {
    const body = {
      data: [
        { username: 'alice', public_metrics: { followers_count: deep(5_000), following_count: 1 } },
        { username: 'bob', public_metrics: deep(5_000) },
        { username: 'carol', public_metrics: { followers_count: 7 } }
      ]
    }
    const result = readLookup(body, batch, 0)
    expect(result.samples.map((s) => [s.account.key, s.metrics])).toEqual([
      ['alice', { friends_count: 1 }],
      ['carol', { followers_count: 7 }]
    ])
    expect(result.failures.map((f) => f.accounts.map((a) => a.key))).toEqual([['bob']])
    expectShortMessages(result)
  })

  test('a per-account error text of 2 MB is quoted cut short', () => {
    const body = { errors: [{ value: 'alice', detail: `${'d'.repeat(2_000_000)}`, title: 'Weird' }] }
    const result = readLookup(body, batch, 0)
    const alice = result.failures.find((f) => f.accounts[0]?.key === 'alice')!
    expect(alice.message.length).toBeLessThan(300)
    expect(alice.message).toContain('(2000000 characters)')
    expectEachAccountOnce(result, batch)
  })

  test('any JSON in any field: never throws, every account once, short messages', () => {
    const anything = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(deep(5_000)))
    const user = fc.record(
      {
        username: fc.oneof(fc.constantFrom('alice', 'bob', 'carol', 'ALICE'), anything),
        public_metrics: fc.oneof(anything, fc.dictionary(fc.constantFrom('followers_count', 'tweet_count', 'like_count'), anything))
      },
      { requiredKeys: [] }
    )
    const problem = fc.record(
      { value: fc.oneof(fc.constantFrom('alice', 'bob', 'carol'), anything), detail: anything, title: anything, type: anything },
      { requiredKeys: [] }
    )
    const body = fc.record(
      { data: fc.oneof(anything, fc.array(fc.oneof(user, anything))), errors: fc.oneof(anything, fc.array(fc.oneof(problem, anything))) },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(body, (value) => {
        const result = readLookup(value, batch, 0)
        expectEachAccountOnce(result, batch)
        expectShortMessages(result)
      }),
      { numRuns: 300 }
    )
  })
})

describe('Bluesky getProfiles answers of any shape', () => {
  const batch = parseAccounts('alice.bsky.social, bob.bsky.social')

  test('any JSON in any field: never throws, every account once, short messages', () => {
    const anything = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(deep(5_000)))
    const profile = fc.record(
      {
        did: fc.oneof(fc.constant('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'), anything),
        handle: fc.oneof(fc.constantFrom('alice.bsky.social', 'BOB.bsky.social'), anything),
        followersCount: anything,
        followsCount: anything,
        postsCount: anything
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.record({ profiles: fc.oneof(anything, fc.array(fc.oneof(profile, anything))) }, { requiredKeys: [] }), (body) => {
        const result = readProfiles(body, batch, 0)
        expectEachAccountOnce(result, batch)
        expectShortMessages(result)
      }),
      { numRuns: 300 }
    )
  })
})

describe('sources against servers that answer hostile shapes on 127.0.0.1', () => {
  let server: StandIn
  let answer: (url: URL) => Answer
  beforeAll(async () => {
    server = await start((request) => answer(new URL(request.url, 'http://127.0.0.1')))
  })
  afterAll(() => server.close())

  test('X: a count nested 5,000 deep for one account; the others are collected', async () => {
    answer = () => ({
      status: 200,
      body: `{"data":[{"username":"alice","public_metrics":{"followers_count":${deepJson(5_000)}}},{"username":"bob","public_metrics":{"followers_count":2}}]}`
    })
    const accounts = parseAccounts('alice, bob')
    const source = createXSource({ auth: { kind: 'bearer', token: 'x-token-123456789' }, apiUrl: server.url, policy, concurrency: 1, deps })
    const result = await source.collect(accounts)
    expect(result.samples.map((s) => s.account.key)).toEqual(['bob'])
    expect(result.failures.map((f) => [f.accounts.map((a) => a.key), f.reason])).toEqual([[['alice'], 'error']])
    expect(result.warnings).toEqual(['X returned an invalid followers_count for alice (an array of 1); that metric was not sent.'])
  })

  test('Bluesky: an error message that is an array nested 5,000 deep, quoted by its shape', async () => {
    answer = () => ({ status: 400, body: `{"error":"InvalidRequest","message":${deepJson(5_000)}}` })
    const accounts = parseAccounts('alice.bsky.social')
    const source = createBlueskySource({ apiUrl: server.url, policy, concurrency: 1, deps })
    const result = await source.collect(accounts)
    expect(result.failures).toHaveLength(1)
    expect(result.failures[0]!.message).toContain('(an array of 1)')
  })

  test('Mastodon: a refusal whose error is nested 5,000 deep, and a body that is a bare array, fail their accounts alone', async () => {
    answer = (url) =>
      // Through mastodon-api-url the full user@instance is asked, and the answer names the account it is for.
      url.searchParams.get('acct') === 'refused@one.example'
        ? { status: 200, body: deepJson(5_000) }
        : url.searchParams.get('acct') === 'weird@one.example'
          ? { status: 500, body: `{"error":${deepJson(5_000)}}` }
          : { status: 200, body: '{"id":"1","username":"fine","acct":"fine@one.example","followers_count":5,"following_count":6,"statuses_count":7}' }
    const accounts = parseAccounts('refused@one.example, weird@one.example, fine@one.example')
    const source = createMastodonSource({ apiUrl: server.url, policy, concurrency: 2, deps })
    const result = await source.collect(accounts)
    expect(result.samples.map((s) => s.account.key)).toEqual(['fine@one.example'])
    expectEachAccountOnce(result, accounts)
  })
})

describe('Datadog answers of any shape', () => {
  test('a refusal whose errors are nested 5,000 deep, or 2 MB long, is described, cut short', () => {
    for (const body of [`{"errors":[${deepJson(5_000)}]}`, JSON.stringify({ errors: ['e'.repeat(2_000_000)] }), '{"errors":{"a":1}}', 'null']) {
      const series = describeRefusal(400, body, 'datadoghq.com')
      const v1 = describeApiRefusal(403, body, 'datadoghq.com', { action: 'list dashboards', permission: 'dashboards_read' })
      expect(series.length).toBeLessThan(700)
      expect(v1.length).toBeLessThan(900)
    }
  })

  test('a created dashboard whose id is not a string is a refusal the run reports, not a crash', async () => {
    const api = {
      listDashboards: async () => [{ id: 'abc', description: 42 as unknown as string }],
      getDashboard: async () => undefined,
      createDashboard: async () => ({ id: deep(5_000), url: { nested: true } }) as never,
      updateDashboard: async () => ({}) as never,
      getMetricMetadata: async () => undefined,
      updateMetricMetadata: async () => false,
      listMonitors: async () => [],
      createMonitor: async () => ({}) as never,
      updateMonitor: async () => ({}) as never
    } satisfies DatadogApi
    const error = await syncDashboard(api, 'twitter').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatadogApiError)
    expect((error as Error).message).toContain('an array of 1')
  })

  test('a dashboard address that is not a string is left out', async () => {
    const api = {
      listDashboards: async () => [],
      getDashboard: async () => undefined,
      createDashboard: async () => ({ id: 'abc-123', url: ['x'] }) as never,
      updateDashboard: async () => ({}) as never,
      getMetricMetadata: async () => undefined,
      updateMetricMetadata: async () => false,
      listMonitors: async () => [],
      createMonitor: async () => ({}) as never,
      updateMonitor: async () => ({}) as never
    } satisfies DatadogApi
    expect(await syncDashboard(api, 'twitter')).toEqual({ id: 'abc-123', url: undefined, action: 'created', duplicates: [] })
  })
})
