/** Bluesky's getProfiles answer read into samples and failures: readProfiles, pure, on plain data. */
import { describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { readProfiles } from '../../src/sources/bluesky.js'

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

/** A profile as app.bsky.actor.getProfiles returns it (profileViewDetailed), with the fields we do not read. */
function profile(did: string, handle: string, counts: Record<string, unknown>): Record<string, unknown> {
  return { did, handle, displayName: handle.split('.')[0], labels: [], createdAt: '2023-04-01T00:00:00.000Z', ...counts }
}

describe('readProfiles', () => {
  test('maps followersCount, followsCount and postsCount to our names, finding accounts by handle in any case or by DID', () => {
    const batch = parseAccounts(`Alice.bsky.social ${DID}`)
    const result = readProfiles(
      {
        profiles: [
          profile(DID, 'bob.example.com', { followersCount: 800, followsCount: 80, postsCount: 8000 }),
          profile('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', 'ALICE.bsky.social', { followersCount: 700, followsCount: 70, postsCount: 7000 })
        ]
      },
      batch,
      1_700_000_000
    )
    expect(result.samples).toEqual([
      {
        account: batch[0],
        timestamp: 1_700_000_000,
        metrics: { followers_count: 700, friends_count: 70, status_count: 7000 },
        id: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
        name: 'ALICE.bsky.social'
      },
      {
        account: batch[1],
        timestamp: 1_700_000_000,
        metrics: { followers_count: 800, friends_count: 80, status_count: 8000 },
        id: DID,
        name: 'bob.example.com'
      }
    ])
    expect(result.failures).toEqual([])
    expect(result.warnings).toEqual([])
  })

  test('an actor the answer leaves out is not found, each account a failure of its own', () => {
    const batch = parseAccounts('alice.bsky.social gone.bsky.social taken.down.example')
    const result = readProfiles({ profiles: [profile(DID, 'alice.bsky.social', { followersCount: 1, followsCount: 2, postsCount: 3 })] }, batch, 1)
    expect(result.samples.map((s) => s.account.key)).toEqual(['alice.bsky.social'])
    expect(result.failures).toEqual([
      {
        network: 'bluesky',
        accounts: [batch[1]],
        reason: 'not_found',
        message: 'Bluesky account gone.bsky.social was not found (deleted, taken down, or the handle changed).'
      },
      {
        network: 'bluesky',
        accounts: [batch[2]],
        reason: 'not_found',
        message: 'Bluesky account taken.down.example was not found (deleted, taken down, or the handle changed).'
      }
    ])
  })

  test('an invalid count is dropped with a warning naming it; a profile with no usable count fails that account alone', () => {
    const batch = parseAccounts('alice.bsky.social bob.bsky.social')
    const result = readProfiles(
      {
        profiles: [
          profile('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', 'alice.bsky.social', { followersCount: -1, followsCount: '70', postsCount: 7000 }),
          profile('did:plc:bbbbbbbbbbbbbbbbbbbbbbbb', 'bob.bsky.social', { followersCount: null })
        ]
      },
      batch,
      1
    )
    expect(result.samples).toEqual([
      { account: batch[0], timestamp: 1, metrics: { status_count: 7000 }, id: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', name: 'alice.bsky.social' }
    ])
    expect(result.warnings).toEqual([
      'Bluesky returned an invalid followersCount for alice.bsky.social (-1); that metric was not sent.',
      'Bluesky returned an invalid followsCount for alice.bsky.social ("70"); that metric was not sent.',
      'Bluesky returned an invalid followersCount for bob.bsky.social (null); that metric was not sent.'
    ])
    expect(result.failures).toEqual([
      { network: 'bluesky', accounts: [batch[1]], reason: 'error', message: 'Bluesky returned no usable counts for bob.bsky.social.' }
    ])
  })

  test('entries that are not profiles are skipped, and the accounts they might have been are not found', () => {
    const batch = parseAccounts('alice.bsky.social')
    const result = readProfiles({ profiles: [null, 'alice.bsky.social', 42, { handle: 7 }] }, batch, 1)
    expect(result.samples).toEqual([])
    expect(result.failures.map((f) => [f.accounts[0]!.key, f.reason])).toEqual([['alice.bsky.social', 'not_found']])
  })
})
