/** List entries in the account list: every form read to one ListEntry, a Mastodon list refused with its reason. */
import { describe, expect, test } from '@jest/globals'
import { ACCEPTED_FORMS, parseAccountLists, parseEntryLists } from '../../src/config/accounts.js'
import { parseListEntry, MASTODON_LIST } from '../../src/config/list-entries.js'
import { parseConfig } from '../../src/config/parse.js'
import { ConfigError } from '../../src/text/errors.js'

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const RKEY = '3kdv3tvqgnx2c'

function refusal(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('list entries', () => {
  test.each([
    'https://x.com/i/lists/1500000000000000001',
    'https://twitter.com/i/lists/1500000000000000001',
    'https://www.x.com/i/lists/1500000000000000001/',
    'https://x.com/i/lists/1500000000000000001/members',
    'https://mobile.twitter.com/i/lists/1500000000000000001?s=20',
    'x-list:1500000000000000001',
    'X-List:1500000000000000001'
  ])('%s is the X List 1500000000000000001', (entry) => {
    expect(parseListEntry(entry)).toEqual({ network: 'x', kind: 'x-list', id: '1500000000000000001', entry: 'https://x.com/i/lists/1500000000000000001' })
  })

  test.each([
    [`https://bsky.app/profile/Alice.bsky.social/lists/${RKEY}`, 'alice.bsky.social'],
    [`https://bsky.app/profile/${DID}/lists/${RKEY}/`, DID],
    [`https://bsky.app/profile/${encodeURIComponent(DID)}/lists/${RKEY}`, DID],
    [`at://${DID}/app.bsky.graph.list/${RKEY}`, DID],
    [`bluesky-list:alice.bsky.social/${RKEY}`, 'alice.bsky.social'],
    [`bsky-list:${DID}/${RKEY}`, DID]
  ])('%s is a Bluesky list of %s', (entry, actor) => {
    expect(parseListEntry(entry)).toEqual({
      network: 'bluesky',
      kind: 'bluesky-list',
      actor,
      rkey: RKEY,
      entry: `https://bsky.app/profile/${actor}/lists/${RKEY}`
    })
  })

  test.each([
    [`https://bsky.app/starter-pack/alice.bsky.social/${RKEY}`, 'alice.bsky.social'],
    [`https://bsky.app/start/${DID}/${RKEY}`, DID],
    [`at://${DID}/app.bsky.graph.starterpack/${RKEY}`, DID],
    [`bluesky-starter-pack:alice.bsky.social/${RKEY}`, 'alice.bsky.social']
  ])('%s is a Bluesky starter pack of %s', (entry, actor) => {
    expect(parseListEntry(entry)).toEqual({
      network: 'bluesky',
      kind: 'bluesky-starter-pack',
      actor,
      rkey: RKEY,
      entry: `https://bsky.app/starter-pack/${actor}/${RKEY}`
    })
  })

  test.each([
    'https://x.com/i/lists/',
    'https://x.com/i/lists/12345678901234567890',
    'https://x.com/i/lists/12a',
    'x-list:-1',
    `https://bsky.app/profile/not_a_handle/lists/${RKEY}`,
    'https://bsky.app/profile/alice.bsky.social/lists/..',
    `https://bsky.app/profile/alice.bsky.social/lists/${'k'.repeat(513)}`,
    'https://bsky.app/profile/alice.bsky.social/lists/%E0%A4%A',
    `bluesky-list:alice.bsky.social`,
    `at://${DID}/app.bsky.feed.post/${RKEY}`
  ])('%s is refused as a bad entry, naming it and the accepted forms, list forms included', (entry) => {
    const error = refusal(() => parseAccountLists([{ source: '`accounts`', text: `jack ${entry}` }]))
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]).toContain(JSON.stringify(entry.length > 60 ? `${entry.slice(0, 60)}… (${entry.length} characters)` : entry))
    expect(error.problems[0]).toContain('x-list:ID')
    expect(error.problems[0]).toContain('bluesky-starter-pack:HANDLE/KEY')
  })

  test('the accepted forms name the short form of every kind of list, and their URLs', () => {
    for (const form of ['x-list:ID', 'bluesky-list:HANDLE/KEY', 'bluesky-starter-pack:HANDLE/KEY', 'or their URLs']) {
      expect(ACCEPTED_FORMS).toContain(form)
    }
  })

  test('a Mastodon list URL is refused saying why Mastodon lists are not read and what to do', () => {
    expect(parseListEntry('https://mastodon.social/lists/42')).toBe(MASTODON_LIST)
    const error = refusal(() => parseAccountLists([{ source: 'accounts-file "a.txt"', text: 'jack\nhttps://mastodon.social/lists/42\n', file: true }]))
    expect(error.problems).toEqual([
      'this entry in accounts-file "a.txt" is a Mastodon list: "https://mastodon.social/lists/42". Mastodon shows a list\'s members only to its owner, through a user\'s access token with the read:lists scope, so twitter-stats does not read Mastodon lists. Name the members as accounts (user@instance.social), for example in an accounts file, or keep them in an X or Bluesky list.'
    ])
  })

  test('lists and accounts come apart in order, each list once whatever its spelling', () => {
    const entries = parseEntryLists([
      { source: '`accounts`', text: `jack, https://x.com/i/lists/7, alice.bsky.social` },
      {
        source: 'accounts-file "a.txt"',
        text: `# lists\nhttps://twitter.com/i/lists/7\nx-list:8 at://${DID}/app.bsky.graph.list/${RKEY}\nbluesky-list:${DID}/${RKEY}\n`,
        file: true
      }
    ])
    expect(entries.accounts.map((a) => a.key)).toEqual(['jack', 'alice.bsky.social'])
    expect(entries.lists.map((l) => l.entry)).toEqual(['https://x.com/i/lists/7', 'https://x.com/i/lists/8', `https://bsky.app/profile/${DID}/lists/${RKEY}`])
  })

  test('a list alone is a valid account list; an X List needs the X credentials like an X account', () => {
    const config = parseConfig({ accounts: `bluesky-list:${DID}/${RKEY}`, dryRun: 'true' })
    expect(config.accounts).toEqual([])
    expect(config.lists).toHaveLength(1)
    const error = refusal(() => parseConfig({ accounts: 'https://x.com/i/lists/99', dryRun: 'true' }))
    expect(error.problems).toEqual([expect.stringContaining('X credentials are missing for the X accounts in the list (https://x.com/i/lists/99)')])
    expect(parseConfig({ accounts: 'https://x.com/i/lists/99', dryRun: 'true', xBearerToken: 't' }).lists).toEqual([
      { network: 'x', kind: 'x-list', id: '99', entry: 'https://x.com/i/lists/99' }
    ])
  })
})
