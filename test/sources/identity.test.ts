/**
 * The network's id and name for each sample (for the state to follow renames), held to the network's own rules:
 * a hostile value is left out, the counts are still sent.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { readProfiles } from '../../src/sources/bluesky.js'
import { blueskyIdentity, mastodonIdentity, xIdentity } from '../../src/sources/identity.js'
import { createMastodonSource } from '../../src/sources/mastodon.js'
import { readLookup } from '../../src/sources/x.js'
import { startMastodonStandIn } from '../support/network-stand-ins.js'
import type { StandIn } from '../support/stand-ins.js'

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
/** Values no network's rules allow for an id or a name: wrong shape, too long, a path, a query, control characters. */
const HOSTILE = [7, null, { id: '1' }, ['1'], '', '../../admin', '1?x=1', 'a b', 'a\nb', 'x'.repeat(1_000_000)]

describe('xIdentity', () => {
  test('keeps the user id (UserId: ^[0-9]{1,19}$) and the username', () => {
    expect(xIdentity({ id: '2244994945', username: 'XDevelopers' })).toEqual({ id: '2244994945', name: 'XDevelopers' })
    expect(xIdentity({ id: '1'.repeat(19), username: 'a_1' })).toEqual({ id: '1'.repeat(19), name: 'a_1' })
  })

  test.each(HOSTILE)('leaves out %p as an id or a name', (value) => {
    expect(xIdentity({ id: value, username: value })).toEqual({})
  })

  test('an id of 20 digits, a username longer than 15 characters or with a dot is left out', () => {
    expect(xIdentity({ id: '1'.repeat(20), username: 'jack' })).toEqual({ name: 'jack' })
    expect(xIdentity({ id: '12', username: 'a'.repeat(16) })).toEqual({ id: '12' })
    expect(xIdentity({ id: '12', username: 'a.b' })).toEqual({ id: '12' })
  })
})

describe('blueskyIdentity', () => {
  test('keeps the DID and the handle', () => {
    expect(blueskyIdentity({ did: DID, handle: 'alice.bsky.social' })).toEqual({ id: DID, name: 'alice.bsky.social' })
    expect(blueskyIdentity({ did: 'did:web:example.com', handle: 'example.com' })).toEqual({ id: 'did:web:example.com', name: 'example.com' })
  })

  test.each(HOSTILE)('leaves out %p as a DID or a handle', (value) => {
    expect(blueskyIdentity({ did: value, handle: value })).toEqual({})
  })

  test('"handle.invalid" (a handle that no longer verifies), a DID as the handle and another DID method are left out', () => {
    expect(blueskyIdentity({ did: DID, handle: 'handle.invalid' })).toEqual({ id: DID })
    expect(blueskyIdentity({ did: DID, handle: DID })).toEqual({ id: DID })
    expect(blueskyIdentity({ did: 'did:key:z6Mkabc', handle: 'alice.bsky.social' })).toEqual({ name: 'alice.bsky.social' })
  })
})

describe('mastodonIdentity', () => {
  const [account] = parseAccounts('anna@one.social')

  test('keeps the id and names the account user@instance, from acct or username', () => {
    expect(mastodonIdentity({ id: '109302', acct: 'anna', username: 'anna' }, account!)).toEqual({ id: '109302', name: 'anna@one.social' })
    expect(mastodonIdentity({ id: '9n6AO9ZlYnAk8kLqXI', username: 'Anna_2' }, account!)).toEqual({ id: '9n6AO9ZlYnAk8kLqXI', name: 'Anna_2@one.social' })
  })

  test('a remote acct (through a proxy) keeps its own domain', () => {
    expect(mastodonIdentity({ id: '5', acct: 'anna@Two.Social', username: 'anna' }, account!)).toEqual({ id: '5', name: 'anna@two.social' })
  })

  test.each(HOSTILE)('leaves out %p as an id, acct or username', (value) => {
    expect(mastodonIdentity({ id: value, acct: value, username: value }, account!)).toEqual({})
  })

  test('an acct with two "@" or a bad domain is left out', () => {
    expect(mastodonIdentity({ id: '5', acct: 'anna@one.social@evil.example' }, account!)).toEqual({ id: '5' })
    expect(mastodonIdentity({ id: '5', acct: 'anna@-bad-', username: 'anna' }, account!)).toEqual({ id: '5' })
  })
})

describe('samples carry the id and name the answer gave', () => {
  test('X: a bad id is left out, the counts are kept', () => {
    const batch = parseAccounts('jack nasa')
    const result = readLookup(
      {
        data: [
          { id: '12', username: 'jack', public_metrics: { followers_count: 5 } },
          { id: '11852/../admin', username: 'NASA', public_metrics: { followers_count: 6 } }
        ]
      },
      batch,
      1
    )
    expect(result.samples.map(({ account, id, name, metrics }) => [account.key, id, name, metrics.followers_count])).toEqual([
      ['jack', '12', 'jack', 5],
      ['nasa', undefined, 'NASA', 6]
    ])
  })

  test('Bluesky: the DID and the handle of each profile', () => {
    const batch = parseAccounts(`alice.bsky.social ${DID}`)
    const result = readProfiles(
      {
        profiles: [
          { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', handle: 'alice.bsky.social', followersCount: 1 },
          { did: DID, handle: 'handle.invalid', followersCount: 2 }
        ]
      },
      batch,
      1
    )
    expect(result.samples.map(({ account, id, name }) => [account.key, id, name])).toEqual([
      ['alice.bsky.social', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', 'alice.bsky.social'],
      [DID, DID, undefined]
    ])
  })

  describe('Mastodon, against an instance on 127.0.0.1', () => {
    let instance: StandIn
    beforeAll(async () => {
      instance = await startMastodonStandIn([{ username: 'Anna', followers_count: 10, following_count: 1, statuses_count: 2 }])
    })
    afterAll(() => instance.close())

    test('the account id and acct of the answer', async () => {
      const source = createMastodonSource({ apiUrl: instance.url, policy: DEFAULT_POLICY, concurrency: 2, deps: realHttpDeps })
      const result = await source.collect(parseAccounts('anna@one.social'))
      expect(result.samples.map(({ id, name, metrics }) => [id, name, metrics.followers_count])).toEqual([['100', 'Anna@one.social', 10]])
    })
  })
})
