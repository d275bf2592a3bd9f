/** X Lists in the account list, through the whole run, against the X stand-in on 127.0.0.1 with list members. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { parseConfig } from '../../../src/config/parse.js'
import { realHttpDeps } from '../../../src/http/send.js'
import type { Logger } from '../../../src/log.js'
import { runCollection, type RunReport } from '../../../src/run/pipeline.js'
import { fakeClock, type FakeClock } from '../../support/clock.js'
import { addXLists, xNames } from '../../support/list-stand-ins.js'
import { X_OAUTH, X_TOKEN, metricsFor, startXStandIn, type XStandIn } from '../../support/stand-ins.js'

let x: XStandIn
let clock: FakeClock
let lines: string[]

const logger: Logger = {
  info: (line) => lines.push(line),
  warning: (line) => lines.push(`warning: ${line}`),
  error: (line) => lines.push(`error: ${line}`),
  group: (_name, task) => task()
}

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(900) })
  addXLists(x, { '42': xNames(250), '43': ['member3', 'Member4', 'other'], '44': 'missing', '45': 'private' })
  clock = fakeClock()
  lines = []
})
afterEach(async () => {
  await x.close()
})

async function run(accounts: string, extra: Record<string, string> = {}): Promise<RunReport> {
  const config = parseConfig({ accounts, xBearerToken: X_TOKEN, xApiUrl: x.url, dryRun: 'true', selfMonitoring: 'false', concurrency: '2', ...extra })
  return runCollection(config, { http: { ...realHttpDeps, ...clock }, logger })
}

const paths = (): string[] => x.requests.map((r) => r.url)
const seriesAccounts = (report: RunReport): Set<string | undefined> => new Set(report.series.map((s) => s.tags.find((t) => t.startsWith('account:'))))

describe('an X List', () => {
  test('a 250-member list costs 3 X requests, following next_token, and gives 250 users their series', async () => {
    const report = await run('https://x.com/i/lists/42')
    expect(paths()).toEqual([
      '/2/lists/42/members?max_results=100&user.fields=public_metrics',
      '/2/lists/42/members?max_results=100&user.fields=public_metrics&pagination_token=page-100',
      '/2/lists/42/members?max_results=100&user.fields=public_metrics&pagination_token=page-200'
    ])
    expect(report.collected).toBe(250)
    expect(report.failed).toBe(0)
    expect(seriesAccounts(report).size).toBe(250)
    expect(report.series).toHaveLength(250 * 6)
    expect(report.series.find((s) => s.metric === 'twitter.followers_count' && s.tags.includes('account:member7'))?.points[0]?.value).toBe(1007)
    expect(report.lists).toEqual([{ entry: 'https://x.com/i/lists/42', network: 'x', members: 250, requests: 3 }])
    expect(report.footprint).toMatchObject({ xUsersRead: 250, xListUsersRead: 250 })
    expect(report.ok).toBe(true)
  })

  test('the dry run shows the expansion: the list, its member count, its requests and its members', async () => {
    await run('x-list:43')
    expect(lines).toContain('X list https://x.com/i/lists/43: 3 member(s) in 1 request(s): member3, Member4, other.')
  })

  test('OAuth 1.0a signs each page as it signs a lookup', async () => {
    const report = await run('x-list:42', {
      xBearerToken: '',
      xConsumerKey: X_OAUTH.consumerKey,
      xConsumerSecret: X_OAUTH.consumerSecret,
      xAccessToken: X_OAUTH.accessToken,
      xAccessTokenSecret: X_OAUTH.accessTokenSecret
    })
    expect(x.oauthRefusals).toEqual([])
    expect(x.requests.every((r) => r.headers.authorization?.startsWith('OAuth '))).toBe(true)
    expect(report.collected).toBe(250)
  })

  test('a member also named alone, or in two lists, is collected once, under the first spelling, and not looked up again', async () => {
    const report = await run('MEMBER3 jack https://x.com/i/lists/42 x-list:43')
    // jack alone is looked up; member3's counts came with the list.
    expect(paths().filter((p) => p.startsWith('/2/users/by'))).toEqual(['/2/users/by?usernames=jack&user.fields=public_metrics'])
    expect(report.accounts).toHaveLength(2 + 250 - 1 + 1)
    expect(report.collected).toBe(252)
    expect(report.samples.filter((s) => s.account.key === 'member3').map((s) => s.account.handle)).toEqual(['MEMBER3'])
    expect(report.series.filter((s) => s.metric === 'twitter.followers_count' && s.tags.includes('account:member3'))).toHaveLength(1)
    // Series keep today's tags: no list tag.
    expect(report.series.find((s) => s.tags.includes('account:member3'))?.tags).toEqual(['account:member3', 'network:x'])
  })

  test('a missing list (200 with errors, resource_type list) fails alone, named with what to do; the rest is delivered', async () => {
    const report = await run('jack x-list:44 x-list:43')
    expect(report.collected).toBe(4)
    expect(report.failed).toBe(1)
    expect(report.accounts).toHaveLength(5)
    expect(report.failures).toEqual([
      {
        network: 'x',
        accounts: [{ network: 'x', handle: 'https://x.com/i/lists/44', key: 'https://x.com/i/lists/44' }],
        reason: 'not_found',
        message:
          'The X list https://x.com/i/lists/44 was not found (X said "Not Found Error: Could not find list with id: [44]."): it was deleted, or the id is mistyped. Check the list\'s address in X, or remove it from the account list.'
      }
    ])
    expect(report.lists?.[0]).toMatchObject({ entry: 'https://x.com/i/lists/44', members: 0, error: expect.stringContaining('was not found') })
    expect(lines).toContain(`warning: ${report.failures[0]?.message}`)
    expect(report.ok).toBe(true)
  })

  test('a private list (403) is named, with what to do', async () => {
    const report = await run('jack https://twitter.com/i/lists/45')
    expect(report.collected).toBe(1)
    expect(report.failed).toBe(1)
    expect(report.failures[0]?.message).toBe(
      'X did not show the members of the X list https://x.com/i/lists/45 (X answered 403 Forbidden, "Forbidden: Forbidden"): a private list shows them only to its owner. Make the list public in X, give the owner\'s OAuth 1.0a keys, or name its members as accounts.'
    )
  })

  test('a 429 on a page is waited out like any X request, and the list is read whole', async () => {
    const lists = x.override
    x.override = (request, index, normal) =>
      index === 1
        ? {
            status: 429,
            headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(clock.now() / 1000) + 60) },
            body: '{"title":"Too Many Requests"}'
          }
        : lists?.(request, index, normal)
    const report = await run('x-list:42')
    expect(x.requests).toHaveLength(4)
    expect(clock.skipped()).toBeGreaterThanOrEqual(59_000)
    expect(report.collected).toBe(250)
  })

  test('rejected credentials fail the run as for an account, and nothing from X is sent', async () => {
    const report = await run('x-list:42', { xBearerToken: 'wrong-token-of-some-length' })
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.reason)).toEqual(['X refused the credentials'])
    expect(report.collected).toBe(0)
    expect(report.failed).toBe(1)
  })
})

describe('hostile list answers', () => {
  test('a list never ends: X holds at most 5,000 members, so the reading stops there, saying so', async () => {
    addXLists(x, { '46': xNames(5_050) })
    const report = await run('x-list:46')
    expect(x.requests).toHaveLength(50)
    expect(report.collected).toBe(5_000)
    expect(report.warnings).toEqual([
      'The X list https://x.com/i/lists/46 was read as far as 5000 member(s): one run reads at most 5000 members of this list; the members after those were not collected.'
    ])
  })

  test('a member without a valid username is left out with a warning; a cursor that repeats is stopped', async () => {
    x.override = () => ({
      status: 200,
      body: JSON.stringify({
        data: [
          { id: '1', username: 'fine_one', public_metrics: metricsFor(1) },
          { id: '2', username: '../../etc', public_metrics: metricsFor(2) }
        ],
        meta: { next_token: 'same' }
      })
    })
    const report = await run('x-list:47')
    expect(x.requests).toHaveLength(2)
    expect(report.collected).toBe(1)
    expect(report.warnings).toEqual([
      'X returned a member of the X list https://x.com/i/lists/47 without a valid username ("../../etc"); it was left out.',
      'X returned a member of the X list https://x.com/i/lists/47 without a valid username ("../../etc"); it was left out.',
      'The X list https://x.com/i/lists/47 was read as far as 1 member(s): the network answered a cursor it had given before, which would read the same pages forever; the members after those were not collected.'
    ])
  })

  test('an answer that is not a list of members fails the list, and the run says so', async () => {
    x.override = (request, index, normal) => (request.url.startsWith('/2/lists/') ? { status: 200, body: '[1,2,3]' } : normal())
    const report = await run('jack x-list:48')
    expect(report.collected).toBe(1)
    expect(report.failed).toBe(1)
    expect(report.ok).toBe(false)
    expect(report.problems[0]?.message).toContain(
      "X answered 200 with a body that is not a list's members for the X list https://x.com/i/lists/48; its members were not collected."
    )
  })
})
