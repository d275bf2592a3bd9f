/** Account tags are unique per account, in the characters Datadog keeps. */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { parseAccountEntry, parseAccounts } from '../../src/config/accounts.js'
import { accountTags, datadogTag, toSeries } from '../../src/series/metrics.js'

/** Datadog's rules: starts with a letter; letters, digits, _ - : . /; lower case; at most 200 characters. */
const DATADOG_TAG = /^[a-z][a-z0-9_\-:./]*$/

describe('Mastodon account tags', () => {
  test('the same user name on two instances gives two series, each still tagged with its instance', () => {
    const [a, b] = parseAccounts('alice@a.social alice@b.social')
    const series = toSeries(
      [
        { account: a!, timestamp: 1, metrics: { followers_count: 1 } },
        { account: b!, timestamp: 1, metrics: { followers_count: 2 } }
      ],
      'twitter',
      []
    )
    expect(series.map((s) => s.tags)).toEqual([
      ['account:alice_a.social', 'network:mastodon', 'instance:a.social'],
      ['account:alice_b.social', 'network:mastodon', 'instance:b.social']
    ])
  })

  test('"@" becomes "_" and case folds, as Datadog stores it', () => {
    expect(accountTags(parseAccountEntry('https://Mastodon.Social/@Gargron')!)[0]).toBe('account:gargron_mastodon.social')
    expect(datadogTag('account', 'A b@c+d')).toBe('account:a_b_c_d')
  })

  test('X and Bluesky tags keep their form', () => {
    expect(accountTags(parseAccountEntry('Jack')!)).toEqual(['account:jack', 'network:x'])
    expect(accountTags(parseAccountEntry('did:plc:z72i7hdynmk6r22z27h6tvur')!)).toEqual(['account:did:plc:z72i7hdynmk6r22z27h6tvur', 'network:bluesky'])
  })

  test('a tag over 200 characters is cut with a hash of the whole, so two long accounts stay apart', () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.social`
    const [one, two] = parseAccounts(`${'u'.repeat(30)}1@${host} ${'u'.repeat(30)}2@${host}`).map((a) => accountTags(a)[0]!)
    expect(one).toHaveLength(200)
    expect(two).toHaveLength(200)
    expect(one).not.toBe(two)
    expect(one).toMatch(DATADOG_TAG)
  })

  test('property: distinct Mastodon accounts never share an account tag, and every tag follows Datadog rules', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/)
    const user = fc.stringMatching(/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,10}[A-Za-z0-9_])?$/)
    const handle = fc.tuple(user, label, fc.constantFrom('social', 'org', 'net')).map(([u, l, tld]) => `${u}@${l}.${tld}`)
    fc.assert(
      fc.property(fc.uniqueArray(handle, { minLength: 2, maxLength: 20, selector: (h) => h.toLowerCase() }), (handles) => {
        const accounts = handles.map((h) => parseAccountEntry(h)!)
        const tags = accounts.map((a) => accountTags(a)[0]!)
        expect(new Set(tags).size).toBe(accounts.length)
        for (const tag of tags) expect(tag).toMatch(DATADOG_TAG)
      })
    )
  })
})
