/** The action's source, run in-process as the runner runs the bundle, against local X and Datadog stand-ins. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'
import { runActionInProcess as runAction } from '../support/run-action.js'

let x: XStandIn
let dd: DatadogStandIn

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3), gone: 'suspended' }, X_TOKEN, {
    consumerKey: 'ck',
    consumerSecret: 'cs',
    accessToken: 'at',
    accessTokenSecret: 'ats'
  })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return { accounts: 'jack, nasa, github', 'x-bearer-token': X_TOKEN, 'datadog-api-key': DD_KEY, 'datadog-site': dd.url, 'x-api-url': x.url, ...extra }
}

describe('the action end to end', () => {
  test('collects every account in one X request and sends one gauge per metric to Datadog', async () => {
    const result = await runAction(inputs())
    expect(result.code).toBe(0)
    expect(x.requests).toHaveLength(1)
    expect(x.requests[0]!.url).toContain('usernames=jack,nasa,github')
    expect(x.requests[0]!.url).toContain('user.fields=public_metrics')
    expect(dd.requests).toHaveLength(1)
    expect(dd.requests[0]!.headers['content-encoding']).toBe('gzip')
    // 18 account gauges, then the collector's own 7 (collected, failed × 4 reasons, duration, rate limit).
    expect(dd.series.filter((s) => !s.metric.startsWith('twitter.collector.'))).toHaveLength(18)
    expect(dd.series).toHaveLength(25)
    const followers = dd.series.find((s) => s.metric === 'twitter.followers_count' && s.tags.includes('account:nasa'))
    expect(followers).toMatchObject({ type: 3, points: [{ value: 1002 }] })
    expect(followers!.tags).toEqual(['account:nasa', 'network:x'])
    const friends = dd.series.find((s) => s.metric === 'twitter.friends_count' && s.tags.includes('account:jack'))
    expect(friends!.points[0]!.value).toBe(101)
    expect(result.outputs['accounts-collected']).toBe('3')
    expect(result.outputs['accounts-failed']).toBe('0')
    const metrics = JSON.parse(result.outputs.metrics!) as { account: string; network: string; metric: string; value: number; timestamp: number }[]
    expect(metrics).toHaveLength(18)
    expect(metrics).toContainEqual({ account: 'github', network: 'x', metric: 'twitter.status_count', value: 5003, timestamp: expect.any(Number) })
    expect(result.summary).toContain('<td>nasa</td>')
    expect(result.summary).toContain('1002')
  })

  test('a suspended and a missing account fail alone, each with its own warning, and the rest are sent', async () => {
    const result = await runAction(inputs({ accounts: 'jack\n@gone\nnobody_here' }))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/::warning title=X account gone::X account gone is suspended/)
    expect(result.stdout).toMatch(/::warning title=X account nobody_here::X account nobody_here was not found/)
    const accountSeries = dd.series.filter((s) => !s.metric.startsWith('twitter.collector.'))
    expect(accountSeries.every((s) => s.tags.includes('account:jack'))).toBe(true)
    expect(accountSeries).toHaveLength(6)
    expect(result.outputs['accounts-collected']).toBe('1')
    expect(result.outputs['accounts-failed']).toBe('2')
  })

  test('an invalid entry fails the step before any request and names the entry', async () => {
    const result = await runAction(inputs({ accounts: 'jack, not-a-user!, nasa' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('"not-a-user!"')
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  test('plain http to a host that is not loopback is refused before any request', async () => {
    const result = await runAction(inputs({ 'x-api-url': 'http://proxy.example.com' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/x-api-url.*plain http:\/\/.*proxy\.example\.com/)
    expect(x.requests).toHaveLength(0)
  })

  test('a dry run prints the series, sends nothing and needs no Datadog key', async () => {
    const result = await runAction(inputs({ 'dry-run': 'true', 'datadog-api-key': '' }))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/twitter\.followers_count 1001 @\d+ \[account:jack,network:x\]/)
    expect(dd.requests).toHaveLength(0)
  })

  test('OAuth 1.0a user context signs the request instead of a bearer token', async () => {
    const result = await runAction(
      inputs({ 'x-bearer-token': '', 'x-consumer-key': 'ck', 'x-consumer-secret': 'cs', 'x-access-token': 'at', 'x-access-token-secret': 'ats' })
    )
    expect(result.code).toBe(0)
    const auth = x.requests[0]!.headers.authorization!
    expect(auth).toMatch(/^OAuth /)
    expect(auth).toContain('oauth_consumer_key="ck"')
    expect(auth).toContain('oauth_token="at"')
    expect(auth).toContain('oauth_signature_method="HMAC-SHA1"')
  })

  test('a half-filled OAuth set says which keys are missing', async () => {
    const result = await runAction(inputs({ 'x-bearer-token': '', 'x-consumer-key': 'ck', 'x-access-token': 'at' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('x-consumer-secret (X_CONSUMER_SECRET), x-access-token-secret (X_ACCESS_TOKEN_SECRET) are missing')
    expect(x.requests).toHaveLength(0)
  })

  test('rejected X credentials fail the step with what to do; no account metric is sent, only the collector reporting the failure', async () => {
    const result = await runAction(inputs({ 'x-bearer-token': 'wrong-token-abc' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('X rejected the credentials (401 Unauthorized)')
    expect(result.stdout).toContain('Nothing from X was sent to Datadog')
    expect(dd.series.filter((s) => !s.metric.startsWith('twitter.collector.'))).toEqual([])
    const failed = dd.series.filter((s) => s.metric === 'twitter.collector.accounts_failed' && s.tags.includes('reason:error') && s.tags.includes('network:x'))
    expect(failed.map((s) => s.points[0]!.value)).toEqual([3])
    const logged = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(logged).not.toContain('wrong-token-abc')
    expect(result.stderr).not.toContain('wrong-token-abc')
  })

  test('secrets are masked before anything is logged', async () => {
    const result = await runAction(inputs())
    expect(result.stdout).toContain(`::add-mask::${X_TOKEN}`)
    expect(result.stdout).toContain(`::add-mask::${DD_KEY}`)
    expect(result.stdout.indexOf('::add-mask::')).toBeLessThan(result.stdout.indexOf('::group::'))
  })
})
