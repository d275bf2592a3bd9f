/** Mastodon accounts grouped by instance (byInstance), the unit the source limits requests on. */
import { describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { byInstance } from '../../src/sources/mastodon.js'

describe('byInstance', () => {
  test('groups accounts by their instance, instances in order of first appearance and accounts in list order', () => {
    const accounts = parseAccounts('anna@one.social bob@two.social https://one.social/@carl @Dora@ONE.social eve@three.example')
    const groups = byInstance(accounts)
    expect([...groups.keys()]).toEqual(['one.social', 'two.social', 'three.example'])
    expect([...groups].map(([instance, list]) => [instance, list.map((a) => a.key)])).toEqual([
      ['one.social', ['anna@one.social', 'carl@one.social', 'dora@one.social']],
      ['two.social', ['bob@two.social']],
      ['three.example', ['eve@three.example']]
    ])
  })

  test('the same user name on two instances is two accounts in two groups', () => {
    const groups = byInstance(parseAccounts('anna@one.social anna@two.social'))
    expect([...groups].map(([instance, list]) => [instance, list.map((a) => a.handle)])).toEqual([
      ['one.social', ['anna@one.social']],
      ['two.social', ['anna@two.social']]
    ])
  })

  test('no accounts, no groups', () => {
    expect(byInstance([]).size).toBe(0)
  })
})
