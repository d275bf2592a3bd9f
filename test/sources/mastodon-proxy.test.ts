/** Mastodon through a proxy (issue 23, class 5): the full user@instance is asked for, and the answer must be that account. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { answersFor } from '../../src/sources/mastodon.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { DD_KEY, start, startDatadogStandIn, type DatadogStandIn, type StandIn } from '../support/stand-ins.js'

/** What an instance answers for one of its own accounts (acct is the bare username), with these numbers. */
function accountBody(username: string, acct: string, followers: number): string {
  return JSON.stringify({
    id: '1',
    username,
    acct,
    display_name: username,
    url: `https://x.example/@${username}`,
    followers_count: followers,
    following_count: 1,
    statuses_count: 2
  })
}

describe('answersFor: the lookup answer is the account asked for', () => {
  test.each([
    [{ acct: 'alice', username: 'alice' }, true],
    [{ acct: 'Alice', username: 'ALICE' }, true],
    [{ acct: 'alice@a.social', username: 'alice' }, true],
    [{ acct: 'alice@b.social', username: 'alice' }, false],
    [{ acct: 'bob', username: 'bob' }, false],
    [{ acct: 'alice', username: 'bob' }, false],
    [{ username: 'alice' }, false],
    [{ acct: ['alice'], username: 'alice' }, false]
  ])('%j for alice@a.social: %s', (body, expected) => {
    expect(answersFor(body, 'alice', 'a.social')).toBe(expected)
  })
})

describe('a run with mastodon-api-url', () => {
  let proxy: StandIn
  let dd: DatadogStandIn
  let answer: (acct: string) => string | undefined
  beforeEach(async () => {
    dd = await startDatadogStandIn()
    proxy = await start((request) => {
      const body = answer(new URL(request.url, 'http://h').searchParams.get('acct') ?? '')
      return body ? { status: 200, body } : { status: 404, body: JSON.stringify({ error: 'Record not found' }) }
    })
  })
  afterEach(async () => {
    await proxy.close()
    await dd.close()
  })

  const run = () => runCli(['--json', 'alice@a.social', 'alice@b.social'], { DATADOG_API_KEY: DD_KEY, DATADOG_SITE: dd.url, MASTODON_API_URL: proxy.url })
  const followers = (records: { account: string; metric: string; value: number }[], account: string) =>
    records.find((r) => r.account === account && r.metric.endsWith('followers_count'))?.value

  test('the same user name on two instances: two requests a proxy can tell apart, two answers', async () => {
    answer = (acct) => ({ 'alice@a.social': accountBody('alice', 'alice', 100), 'alice@b.social': accountBody('alice', 'alice', 200) })[acct]
    const result = await run()
    expect(result.code).toBe(0)
    const asked = proxy.requests.map((r) => new URL(r.url, 'http://h').searchParams.get('acct')).sort()
    expect(asked).toEqual(['alice@a.social', 'alice@b.social'])
    const report = JSON.parse(result.stdout) as { records: { account: string; metric: string; value: number }[] }
    expect(followers(report.records, 'alice@a.social')).toBe(100)
    expect(followers(report.records, 'alice@b.social')).toBe(200)
  })

  test.each([
    ['the account of another instance', 'alice@a.social'],
    ['another user name', 'mallory']
  ])('a proxy that answers with %s: that account fails alone, saying so', async (_name, other) => {
    answer = (acct) => (acct === 'alice@a.social' ? accountBody('alice', 'alice', 100) : accountBody(other.split('@')[0] ?? other, other, 999))
    const result = await run()
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as {
      records: { account: string; metric: string; value: number }[]
      failures: { accounts: string[]; message: string }[]
    }
    expect(followers(report.records, 'alice@a.social')).toBe(100)
    expect(followers(report.records, 'alice@b.social')).toBeUndefined()
    expect(report.records.some((r) => r.value === 999)).toBe(false)
    const failure = report.failures.find((f) => f.accounts.includes('alice@b.social'))
    expect(failure?.accounts).toEqual(['alice@b.social'])
    expect(failure?.message).toContain(`answered for another account ("${other}") when asked for alice@b.social`)
  })
})
