/**
 * Renames and disappearances (issue 20, item 4), against X, Bluesky and Mastodon stand-ins on 127.0.0.1: a second
 * run finds by its id an account the first run collected, under the list's name, and says what to do.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import type { Account, Sample } from '../../src/model.js'
import { parseAccounts } from '../../src/config/accounts.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { accountTags, toSeries } from '../../src/series/metrics.js'
import { createBlueskySource } from '../../src/sources/bluesky.js'
import { createMastodonSource } from '../../src/sources/mastodon.js'
import type { Collection, Source } from '../../src/sources/types.js'
import { createXSource } from '../../src/sources/x.js'
import { stateKey } from '../../src/state/format.js'
import { followRenames } from '../../src/state/renames.js'
import type { KnownAccount } from '../../src/state/run-state.js'
import { startBlueskyStandIn, startMastodonStandIn, type BlueskyProfile, type MastodonAccount } from '../support/network-stand-ins.js'
import { X_TOKEN, metricsFor, startXStandIn, type StandIn, type XStandIn } from '../support/stand-ins.js'

const ALICE = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const BOB = 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb'
const policy = { ...DEFAULT_POLICY, maxRetries: 0 }

let x: XStandIn
let bluesky: StandIn
let mastodon: StandIn
let profiles: BlueskyProfile[]
let instance: MastodonAccount[]
let sources: Source[]

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), ghost: metricsFor(3) })
  profiles = [
    { did: ALICE, handle: 'alice.bsky.social', followersCount: 700, followsCount: 70, postsCount: 7000 },
    { did: BOB, handle: 'bob.bsky.social', followersCount: 800, followsCount: 80, postsCount: 8000 }
  ]
  bluesky = await startBlueskyStandIn(profiles)
  instance = [
    { username: 'anna', followers_count: 10, following_count: 1, statuses_count: 2 },
    { username: 'carl', followers_count: 20, following_count: 2, statuses_count: 3 }
  ]
  mastodon = await startMastodonStandIn(instance)
  const common = { policy, concurrency: 2, deps: realHttpDeps }
  sources = [
    createXSource({ ...common, auth: { kind: 'bearer', token: X_TOKEN }, apiUrl: x.url }),
    createBlueskySource({ ...common, apiUrl: bluesky.url }),
    createMastodonSource({ ...common, apiUrl: mastodon.url })
  ]
})

afterEach(async () => {
  await Promise.all([x.close(), bluesky.close(), mastodon.close()])
})

/** One run's collection, every network. */
async function collect(accounts: Account[]): Promise<Collection> {
  const parts = await Promise.all(sources.map((s) => s.collect(accounts.filter((a) => a.network === s.network))))
  return { samples: parts.flatMap((p) => p.samples), failures: parts.flatMap((p) => p.failures), warnings: parts.flatMap((p) => p.warnings) }
}

/** What a state would remember of a run: each sample's id, name and followers. */
function knownFrom(samples: Sample[]): Map<string, KnownAccount> {
  return new Map(samples.map((s) => [stateKey(s.account), { id: s.id ?? '', name: s.name ?? '', followers: s.metrics.followers_count }]))
}

const LIST = 'jack nasa alice.bsky.social bob.bsky.social anna@one.social carl@one.social'

describe('a rename is followed by id, under the name the list uses', () => {
  test('on each network: collected, the series keep the list name and tags, and the message says to update the list', async () => {
    const accounts = parseAccounts(LIST)
    const first = await collect(accounts)
    expect(first.samples).toHaveLength(6)
    const known = knownFrom(first.samples)

    x.rename('jack', 'jack_renamed')
    profiles[0]!.handle = 'alice.example.com'
    instance[0]!.username = 'anna_new'
    const second = await collect(accounts)
    expect(second.failures.map((f) => f.reason)).toEqual(['not_found', 'not_found', 'not_found'])

    const { collection, renames, gone } = await followRenames(second, known, sources)
    expect(renames.map((r) => r.message)).toEqual([
      'X account jack is now @jack_renamed: update the account list.',
      'Bluesky account alice.bsky.social is now @alice.example.com: update the account list.',
      'Mastodon account anna@one.social is now @anna_new@one.social: update the account list.'
    ])
    expect(gone).toEqual([])
    expect(collection.failures).toEqual([])
    expect(collection.samples.map((s) => s.account.key).sort()).toEqual(accounts.map((a) => a.key).sort())
    const jack = collection.samples.find((s) => s.account.key === 'jack')!
    expect(jack).toMatchObject({ id: known.get('x:jack')!.id, name: 'jack_renamed', metrics: { followers_count: 1001 } })
    const series = toSeries(collection.samples, 'twitter', ['team:social'])
    expect(series.filter((s) => s.metric === 'twitter.followers_count').map((s) => s.tags)).toContainEqual([...accountTags(accounts[0]!), 'team:social'])
    expect(series.some((s) => s.tags.some((t) => /renamed|alice\.example|anna_new/.test(t)))).toBe(false)

    // Each network was asked by id, the way its API takes ids.
    expect(x.requests.at(-1)!.url).toBe(`/2/users?ids=${known.get('x:jack')!.id}&user.fields=public_metrics`)
    expect(bluesky.requests.at(-1)!.url).toBe(`/xrpc/app.bsky.actor.getProfiles?actors=${encodeURIComponent(ALICE)}`)
    expect(mastodon.requests.at(-1)!.url).toBe('/api/v1/accounts/100')
  })

  test('no account failed, or none with a known id: nothing is looked up', async () => {
    const accounts = parseAccounts(LIST)
    const first = await collect(accounts)
    const counts = [x.requests.length, bluesky.requests.length, mastodon.requests.length]
    expect(await followRenames(first, knownFrom(first.samples), sources)).toEqual({ collection: first, renames: [], gone: [] })
    x.rename('jack', 'jack_renamed')
    const second = await collect(accounts)
    const after = [x.requests.length, bluesky.requests.length, mastodon.requests.length]
    const result = await followRenames(second, new Map(), sources)
    expect(result.collection).toBe(second)
    expect([x.requests.length, bluesky.requests.length, mastodon.requests.length]).toEqual(after)
    expect(after).not.toEqual(counts)
  })

  test('renamed to a name the list also names: reported, and the profile is sent once', async () => {
    const accounts = parseAccounts('alice.bsky.social alice.example.com')
    const known = knownFrom((await collect(accounts.slice(0, 1))).samples)
    profiles[0]!.handle = 'alice.example.com'
    const { collection, renames } = await followRenames(await collect(accounts), known, sources)
    expect(renames.map((r) => r.message)).toEqual([
      'Bluesky account alice.bsky.social is now @alice.example.com, which the list also names: remove alice.bsky.social from the account list.'
    ])
    expect(collection.samples.map((s) => s.account.key)).toEqual(['alice.example.com'])
    expect(collection.failures.map((f) => f.accounts.map((a) => a.key))).toEqual([['alice.bsky.social']])
  })
})

describe('an account gone since the last run', () => {
  test('deleted or suspended on each network: reported with its last followers, in place of "not found"', async () => {
    const accounts = parseAccounts(LIST)
    const known = knownFrom((await collect(accounts)).samples)
    x.users.delete('jack')
    x.users.set('nasa', 'suspended')
    profiles.splice(0, 1)
    instance[1]!.suspended = true
    const { collection, renames, gone } = await followRenames(await collect(accounts), known, sources)
    expect(renames).toEqual([])
    const messages = [
      'X account jack was suspended or deleted since the last run; it had 1,001 followers.',
      'X account nasa was suspended or deleted since the last run; it had 1,002 followers.',
      'Bluesky account alice.bsky.social was suspended or deleted since the last run; it had 700 followers.',
      'Mastodon account carl@one.social was suspended or deleted since the last run; it had 20 followers.'
    ]
    expect(gone.map((g) => [g.message, g.followers])).toEqual(messages.map((m, i) => [m, [1001, 1002, 700, 20][i]]))
    expect(collection.failures.map((f) => f.message)).toEqual(messages)
    expect(collection.failures.map((f) => f.reason)).toEqual(['not_found', 'suspended', 'not_found', 'suspended'])
    expect(collection.samples.map((s) => s.account.key)).toEqual(['bob.bsky.social', 'anna@one.social'])
  })

  test('one id the network no longer knows fails alone: the others of its request are collected', async () => {
    const accounts = parseAccounts('jack nasa ghost')
    const known = knownFrom((await collect(accounts)).samples)
    x.rename('jack', 'jack2')
    x.users.delete('nasa')
    x.rename('ghost', 'ghost2')
    const { collection, renames, gone } = await followRenames(await collect(accounts), known, sources)
    expect(x.requests.at(-1)!.url).toBe(`/2/users?ids=${['jack', 'nasa', 'ghost'].map((n) => known.get(`x:${n}`)!.id).join(',')}&user.fields=public_metrics`)
    expect(renames.map((r) => r.name)).toEqual(['jack2', 'ghost2'])
    expect(gone.map((g) => g.account.key)).toEqual(['nasa'])
    expect(collection.samples.map((s) => [s.account.key, s.metrics.followers_count])).toEqual([
      ['jack', 1001],
      ['ghost', 1003]
    ])
  })
})

describe('a hostile answer or a damaged state is refused', () => {
  test('X answering for another id than the one asked: not collected, the account stays failed, one warning', async () => {
    const accounts = parseAccounts('jack nasa')
    const known = knownFrom((await collect(accounts)).samples)
    x.rename('jack', 'jack2')
    const second = await collect(accounts)
    x.override = (request, _i, normal) => {
      if (!request.url.startsWith('/2/users?')) return undefined
      const answer = normal()
      return { ...answer, body: answer.body!.replace(/"id":"\d+"/, '"id":"999"') }
    }
    const { collection, renames } = await followRenames(second, known, sources)
    expect(renames).toEqual([])
    expect(collection.samples.map((s) => s.account.key)).toEqual(['nasa'])
    expect(collection.failures.map((f) => [f.reason, f.accounts.map((a) => a.key)])).toEqual([['not_found', ['jack']]])
    expect(collection.warnings).toEqual(['X answered without data or an error for jack.'])
  })

  test('Mastodon answering with another id, and Bluesky with another DID: neither is taken for the account asked', async () => {
    const accounts = parseAccounts('anna@one.social alice.bsky.social')
    const known = knownFrom((await collect(accounts)).samples)
    instance[0]!.username = 'anna2'
    profiles[0]!.handle = 'alice2.bsky.social'
    const second = await collect(accounts)
    mastodon.override = (_r, _i, normal) => {
      const answer = normal()
      return { ...answer, body: answer.body!.replace('"id":"100"', '"id":"101"') }
    }
    bluesky.override = (_r, _i, normal) => {
      const answer = normal()
      return { ...answer, body: answer.body!.replace(ALICE, BOB) }
    }
    const { collection, renames, gone } = await followRenames(second, known, sources)
    expect([renames, collection.samples]).toEqual([[], []])
    // getProfiles leaves out an actor it does not have: an answer without the DID asked says alice is gone.
    expect(gone.map((g) => g.account.key)).toEqual(['alice.bsky.social'])
    expect(collection.failures.map((f) => f.reason)).toEqual(['not_found', 'not_found'])
    expect(collection.warnings).toEqual(['Mastodon instance one.social answered for another id ("101") than anna@one.social\'s 100.'])
  })

  test('an id of the wrong shape in the state never reaches a URL: that account alone is not looked up', async () => {
    const accounts = parseAccounts('jack nasa anna@one.social alice.bsky.social')
    const known = knownFrom((await collect(accounts)).samples)
    known.set('x:jack', { id: '12/../../admin', name: 'jack' })
    known.set('mastodon:anna@one.social', { id: '../../admin', name: 'anna@one.social' })
    known.set('bluesky:alice.bsky.social', { id: 'did:evil:x?y', name: 'alice.bsky.social' })
    x.rename('jack', 'jack2')
    x.rename('nasa', 'nasa2')
    instance[0]!.username = 'anna2'
    profiles[0]!.handle = 'alice2.bsky.social'
    const counts = [bluesky.requests.length, mastodon.requests.length]
    const { collection, renames } = await followRenames(await collect(accounts), known, sources)
    expect(renames.map((r) => r.account.key)).toEqual(['nasa'])
    expect([bluesky.requests.length, mastodon.requests.length]).toEqual(counts.map((n) => n + 1))
    for (const request of [...x.requests, ...bluesky.requests, ...mastodon.requests]) expect(request.url).not.toMatch(/admin|evil/)
    expect(collection.warnings).toEqual([
      'X account jack: the id the state holds for it ("12/../../admin") is not an X user id; it was not looked up by id.',
      'Bluesky account alice.bsky.social: the id the state holds for it ("did:evil:x?y") is not a DID; it was not looked up by id.',
      'Mastodon account anna@one.social: the id the state holds for it ("../../admin") is not a Mastodon account id; it was not looked up by id.'
    ])
  })
})
