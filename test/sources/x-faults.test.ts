/**
 * The X fault matrix, through the action (its source, in-process, on a fake clock) against the local stand-ins. Most cases run 120
 * accounts in two X requests and fault only the second (batch B), so each shows both how the fault
 * is handled and that what batch A collected still reaches Datadog.
 */
import { describe, expect, test } from '@jest/globals'
import {
  BATCH_A,
  BATCH_B,
  HANG_TIMEOUT,
  HTML_PAGE,
  MANY,
  accountsSent,
  editBody,
  fault,
  faultSequence,
  firstOf,
  isBatchB,
  metricsOutput,
  pointKey,
  requestsFor,
  runScenario,
  usersFor,
  type Scenario
} from '../support/fault-scenario.js'
import { metricsFor, type RecordedRequest } from '../support/stand-ins.js'

const onA = { when: (request: RecordedRequest) => !isBatchB(request) }
const onB = { when: isBatchB }
const TOO_MANY = JSON.stringify({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 })
const epochIn = (seconds: number): string => String(Math.floor(Date.now() / 1000) + seconds)

/**
 * These accounts, and only these, were collected and sent: 6 gauges each. (A Datadog request slower than the
 * timeout on a busy machine is sent again; the copy is the same point, which Datadog overwrites.)
 */
function expectSentOnce({ result, dd }: Scenario, accounts: string[]): void {
  expect(accountsSent(dd)).toEqual(new Set(accounts))
  const points = new Map(dd.series.map((s) => [pointKey(s), s.points[0]!.value]))
  expect(points.size).toBe(accounts.length * 6)
  // Any copy carries the same value (one expect for all the series, not one each).
  expect(dd.series.filter((s) => s.points[0]!.value !== points.get(pointKey(s)))).toEqual([])
  expect(result.outputs['accounts-collected']).toBe(String(accounts.length))
  expect(new Set(metricsOutput(result).map((r) => r.account))).toEqual(new Set(accounts))
}

function expectEverythingSent(s: Scenario): void {
  expect(s.result.code).toBe(0)
  expectSentOnce(s, MANY)
}

/** Batch B failed, so the run failed, and batch A's series were still sent. */
function expectBatchAKept(s: Scenario): void {
  expect(s.result.code).toBe(1)
  expectSentOnce(s, BATCH_A)
  expect(s.result.outputs['accounts-failed']).toBe(String(BATCH_B.length))
  expect(s.result.undelivered).toBeUndefined()
}

describe('X rate limits', () => {
  test('a 429 with x-rate-limit-reset is waited out, one without is retried with backoff; everything is collected', async () => {
    const withReset = fault(() => ({ status: 429, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': epochIn(1) }, body: TOO_MANY }), {
      ...onA,
      times: 1
    })
    const withoutReset = fault({ status: 429, body: TOO_MANY }, { ...onB, times: 1 })
    const s = await runScenario({ x: firstOf(withReset, withoutReset) })
    expectEverythingSent(s)
    expect(requestsFor(s.x, 'A')).toHaveLength(2)
    expect(requestsFor(s.x, 'B')).toHaveLength(2)
    // Two waits: a backoff, and the wait for the reset (at most 1 s away, plus up to 1 s of spread).
    expect(s.sleeps).toHaveLength(2)
    expect(Math.max(...s.sleeps)).toBeGreaterThanOrEqual(500)
    expect(Math.max(...s.sleeps)).toBeLessThanOrEqual(2000)
  })

  test('a 429 without reset headers that persists fails its batch as rate limited after the retries', async () => {
    const s = await runScenario({ x: fault({ status: 429, body: TOO_MANY }, onB) })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(3)
    expect(s.log).toContain('X kept answering 429 Too Many Requests after 3 attempts and did not say when the limit resets.')
    expect(s.log).toContain('The X rate limit outlasted the allowed wait for 20 account(s):')
  })

  test('a reset later than rate-limit-max-wait fails the batch at once, saying when and what to change', async () => {
    const s = await runScenario({
      x: fault(() => ({ status: 429, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': epochIn(3600) }, body: TOO_MANY }), onB)
    })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(1)
    expect(s.log).toMatch(
      /X rate limit is exhausted and resets at \d{4}-\d\d-\d\dT[\d:.]+Z \(in 3[56]\d\d s\), later than the allowed wait of 5 s\. 20 account\(s\) were not collected; raise rate-limit-max-wait or run less often\./
    )
  })
})

describe('X server errors and broken answers', () => {
  test('500, 502 and 503 in a row are retried, then everything is collected', async () => {
    const error = (status: number) => ({ status, body: JSON.stringify({ title: 'Server Error', detail: 'Something went wrong', status }) })
    const s = await runScenario({ inputs: { 'max-retries': '3' }, x: faultSequence([error(500), error(502), error(503)], onB) })
    expectEverythingSent(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(4)
  })

  test('a persistent 503 fails its batch after the retries and names the status and host, not the URL', async () => {
    const s = await runScenario({
      x: fault({ status: 503, body: JSON.stringify({ title: 'Service Unavailable', detail: 'Service Unavailable', status: 503 }) }, onB)
    })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(3)
    expect(s.log).toMatch(/X answered 503 from 127\.0\.0\.1:\d+ \("Service Unavailable: Service Unavailable"\); 20 account\(s\) were not collected\./)
    expect(s.log).not.toContain('/2/users/by')
    expect(s.log).toContain('20 X account(s) could not be collected because of errors')
  })

  test('an HTML error page is reported by status, without the HTML', async () => {
    const s = await runScenario({ x: fault({ status: 502, headers: { 'content-type': 'text/html' }, body: HTML_PAGE }, onB) })
    expectBatchAKept(s)
    expect(s.log).toMatch(/X answered 502 from 127\.0\.0\.1:\d+; 20 account\(s\) were not collected\./)
    expect(s.log).not.toContain('<html')
  })

  test('a request that hangs past the timeout once, and a connection reset mid-body once, are retried; everything is collected', async () => {
    const hang = fault((normal) => ({ ...normal(), delayMs: 3000 }), { ...onA, times: 1 })
    const reset = fault((normal) => ({ ...normal(), resetMidBody: true }), { ...onB, times: 1 })
    const s = await runScenario({ inputs: HANG_TIMEOUT, x: firstOf(hang, reset) })
    expectEverythingSent(s)
    expect(requestsFor(s.x, 'A')).toHaveLength(2)
    expect(requestsFor(s.x, 'B')).toHaveLength(2)
  })

  test('a request that always hangs fails its batch after the retries with the timeout in the message', async () => {
    const s = await runScenario({ inputs: HANG_TIMEOUT, x: fault((normal) => ({ ...normal(), delayMs: 5000 }), onB) })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(3)
    expect(s.log).toMatch(/X request to 127\.0\.0\.1:\d+ failed after 3 attempts: no answer within 0\.5 s\./)
  })

  test('connections always reset mid-body fail the batch with the error code, not the URL', async () => {
    const s = await runScenario({ x: fault((normal) => ({ ...normal(), resetMidBody: true }), onB) })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(3)
    expect(s.log).toMatch(/X request to 127\.0\.0\.1:\d+ failed after 3 attempts: connection failed \(ECONNRESET\)\./)
  })

  test('a 200 with malformed JSON fails its batch without retrying', async () => {
    const s = await runScenario({ x: fault({ status: 200, body: '{"data":[{"username":"u100","public_metrics":{"followers_count":' }, onB) })
    expectBatchAKept(s)
    expect(requestsFor(s.x, 'B')).toHaveLength(1)
    expect(s.log).toContain('X answered 200 with a body that is not a user lookup result (not JSON); 20 account(s) were not collected.')
  })

  test('a 200 with neither data nor errors fails its batch', async () => {
    const s = await runScenario({ x: fault({ status: 200, body: JSON.stringify({ meta: { result_count: 0 } }) }, onB) })
    expectBatchAKept(s)
    expect(s.log).toContain('X answered 200 with a body that is not a user lookup result (neither data nor errors); 20 account(s) were not collected.')
  })
})

describe('X answers with odd content', () => {
  const four = ['jack', 'nasa', 'github', 'ghost']

  test('metrics missing, negative, non-numeric or huge are dropped with a warning each; the rest is sent', async () => {
    const s = await runScenario({
      accounts: four,
      x: fault((normal) =>
        editBody(normal, (body) => {
          const users = body.data as { username: string; public_metrics: Record<string, unknown> }[]
          const user = (name: string) => users.find((u) => u.username === name)!
          delete user('jack').public_metrics.followers_count
          user('nasa').public_metrics.followers_count = -5
          user('github').public_metrics.tweet_count = '5003'
          user('github').public_metrics.listed_count = 1e20
          user('ghost').public_metrics = 'unavailable' as never
          return body
        })
      )
    })
    // ghost has no usable metric at all: an error for that account, so the run fails, and the rest is sent.
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('X returned an invalid followers_count for nasa (-5); that metric was not sent.')
    expect(s.log).toContain('X returned an invalid tweet_count for github ("5003"); that metric was not sent.')
    expect(s.log).toContain('X returned an invalid listed_count for github (100000000000000000000); that metric was not sent.')
    expect(s.log).toContain('X returned no usable metrics for ghost.')
    expect(s.log).not.toContain('stopped unexpectedly')
    const sent = (account: string) =>
      s.dd.series
        .filter((x) => x.tags.includes(`account:${account}`))
        .map((x) => x.metric.replace('twitter.', ''))
        .sort()
    expect(sent('jack')).toEqual(['favourites_count', 'friends_count', 'listed_count', 'media_count', 'status_count'])
    expect(sent('nasa')).toEqual(['favourites_count', 'friends_count', 'listed_count', 'media_count', 'status_count'])
    expect(sent('github')).toEqual(['favourites_count', 'followers_count', 'friends_count', 'media_count'])
    expect(sent('ghost')).toEqual([])
    expect(s.dd.series.every((x) => Number.isSafeInteger(x.points[0]!.value) && x.points[0]!.value >= 0)).toBe(true)
    expect(s.result.outputs['accounts-collected']).toBe('3')
  })

  test('a username returned in another case matches the account as typed; a user returned twice counts once, first answer', async () => {
    const s = await runScenario({
      accounts: ['JackDorsey', 'NASA'],
      users: usersFor(['JackDorsey', 'NASA']),
      x: fault((normal) =>
        editBody(normal, (body) => {
          const users = body.data as { username: string; public_metrics: Record<string, unknown> }[]
          for (const user of users) user.username = user.username === 'NASA' ? 'Nasa' : 'jackdorsey'
          users.push({ ...users[0]!, public_metrics: { ...metricsFor(99) } })
          return body
        })
      )
    })
    expect(s.result.code).toBe(0)
    expect(accountsSent(s.dd)).toEqual(new Set(['jackdorsey', 'nasa']))
    expect(new Set(s.dd.series.map(pointKey)).size).toBe(12)
    const followers = s.dd.series.filter((x) => x.metric === 'twitter.followers_count' && x.tags.includes('account:jackdorsey'))
    expect(new Set(followers.map((x) => x.points[0]!.value))).toEqual(new Set([metricsFor(0).followers_count]))
    expect(s.result.summary).toContain('<td>JackDorsey</td>')
  })

  test('a user returned under a different name (renamed) is reported as missing, the others are sent', async () => {
    const s = await runScenario({
      accounts: ['jack', 'nasa'],
      x: fault((normal) =>
        editBody(normal, (body) => {
          ;(body.data as { username: string }[])[1]!.username = 'nasa_renamed'
          return body
        })
      )
    })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('X answered without data or an error for nasa.')
    expect(accountsSent(s.dd)).toEqual(new Set(['jack']))
  })
})

describe('X refuses the credentials or the access tier', () => {
  const unauthorized = { status: 401, body: JSON.stringify({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }) }
  const code453 = {
    status: 403,
    body: JSON.stringify({
      errors: [
        {
          message:
            'You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level.',
          code: 453
        }
      ]
    })
  }
  const notEnrolled = {
    status: 403,
    body: JSON.stringify({
      client_id: '12345678',
      detail:
        'You currently have access to a subset of Twitter API v2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level.',
      title: 'Client Forbidden',
      required_enrollment: 'Appropriate Level of API Access',
      reason: 'client-not-enrolled',
      type: 'https://api.twitter.com/2/problems/client-forbidden'
    })
  }

  /** Fatal: the step fails, no account metric is sent (only the collector's own series), and the message says what to do. */
  function expectFatal(s: Scenario, message: string): void {
    expect(s.result.code).toBe(1)
    expect(s.log).toContain(message)
    expect(s.log).toContain('Nothing from X was sent to Datadog')
    expect(s.dd.series).toHaveLength(0)
    expect(
      s.dd.collectorSeries.find((c) => c.metric === 'twitter.collector.accounts_failed' && c.tags.includes('reason:error'))!.points[0]!.value
    ).toBeGreaterThan(0)
    expect(s.result.undelivered).toBeUndefined()
  }

  test('401 fails the run with what to check, and stops knocking', async () => {
    const s = await runScenario({ accounts: MANY, inputs: { concurrency: '1' }, x: fault(unauthorized) })
    expectFatal(s, 'X rejected the credentials (401 Unauthorized). X said: "Unauthorized: Unauthorized". Check that x-bearer-token')
    expect(s.x.requests).toHaveLength(1)
  })

  test('403 with error 453 says the access tier cannot look users up', async () => {
    const s = await runScenario({ accounts: ['jack'], x: fault(code453) })
    expectFatal(
      s,
      'X refused the user lookup for this app\'s access tier (403, error 453). X said: "You currently have access to a subset of X API V2 endpoints'
    )
    expect(s.log).toContain('need a paid or pay-per-use X developer account')
  })

  test('403 client-not-enrolled (the v2 problem shape) gets the same access-tier advice', async () => {
    const s = await runScenario({ accounts: ['jack'], x: fault(notEnrolled) })
    expectFatal(
      s,
      'X refused the user lookup for this app\'s access tier (403, error 453). X said: "Client Forbidden: You currently have access to a subset of Twitter API v2 endpoints'
    )
  })
})
