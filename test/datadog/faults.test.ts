/**
 * The Datadog fault matrix, through the action (its source, in-process, on a fake clock) against the local stand-ins: three accounts
 * collected (18 gauges), then Datadog misbehaves. Either everything arrives, or the run fails and
 * every series is in the undelivered file, re-sendable as it is.
 */
import { describe, expect, test } from '@jest/globals'
import {
  HANG_TIMEOUT,
  HTML_PAGE,
  accountsSent,
  isCollectorSeries,
  fault,
  faultSequence,
  metricsOutput,
  pointKey,
  runScenario,
  type Scenario
} from '../support/fault-scenario.js'
import { DD_KEY, startDatadogStandIn, type Answer } from '../support/stand-ins.js'

const THREE = ['jack', 'nasa', 'github']
const ACCEPTED: Answer = { status: 202, body: JSON.stringify({ errors: [] }) }
const error = (status: number, message: string): Answer => ({ status, body: JSON.stringify({ errors: [message] }) })

function scenario(dd: Scenario['dd']['override'], inputs: Record<string, string> = {}): Promise<Scenario> {
  return runScenario({ accounts: THREE, dd, inputs })
}

/** All 18 account gauges arrived, each point once (25 series with the collector's own 7). */
function expectDelivered({ result, dd, log }: Scenario): void {
  expect(result.code).toBe(0)
  expect(accountsSent(dd)).toEqual(new Set(THREE))
  expect(new Set(dd.series.map(pointKey)).size).toBe(18)
  expect(log).toContain('Datadog accepted 25 series in 1 request(s).')
  expect(result.undelivered).toBeUndefined()
}

/**
 * The run failed with `message`, nothing reached Datadog, and the undelivered file holds every
 * collected point as a POST /api/v2/series body that a fresh Datadog accepts as it is.
 */
async function expectSavedForResend({ result, dd, log }: Scenario, message: string | RegExp): Promise<void> {
  expect(result.code).toBe(1)
  if (typeof message === 'string') expect(log).toContain(message)
  else expect(log).toMatch(message)
  expect(dd.series).toHaveLength(0)
  const file = result.outputs['undelivered-file']
  expect(file).toMatch(/twitter-stats-undelivered-[0-9a-f-]{36}\.json$/)
  expect(log).toContain(`25 series were not delivered. They are saved in ${file} (output undelivered-file) as a POST /api/v2/series body`)

  const body = JSON.parse(result.undelivered!) as { series: Scenario['dd']['series'] }
  expect(Object.keys(body)).toEqual(['series'])
  // The collector's own 7 series are saved too; the account points must match the metrics output exactly.
  expect(body.series.filter(isCollectorSeries)).toHaveLength(7)
  const points = body.series.filter((s) => !isCollectorSeries(s)).map((s) => `${s.metric}|${s.tags.join(',')}|${s.points[0]!.timestamp}|${s.points[0]!.value}`)
  const collected = metricsOutput(result).map((r) => `${r.metric}|account:${r.account},network:x|${r.timestamp}|${r.value}`)
  expect(points.sort()).toEqual(collected.sort())
  expect(body.series.every((s) => s.type === 3 && s.points.length === 1)).toBe(true)

  const fresh = await startDatadogStandIn()
  try {
    const response = await fetch(`${fresh.url}/api/v2/series`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': DD_KEY },
      body: result.undelivered
    })
    expect(response.status).toBe(202)
    expect(fresh.series).toEqual(body.series)
  } finally {
    await fresh.close()
  }
}

describe('Datadog answers that are retried until they succeed', () => {
  test('500, 502 and 503 in a row, then success: every gauge arrives once', async () => {
    const s = await scenario(faultSequence([error(500, 'Internal Server Error'), error(502, 'Bad Gateway'), error(503, 'Service Unavailable')]), {
      'max-retries': '3'
    })
    expectDelivered(s)
    expect(s.dd.requests).toHaveLength(4)
  })

  test('a 429 with x-ratelimit-reset (seconds until reset) is waited out; a hang past the timeout and a connection reset are sent again', async () => {
    const limited = {
      ...error(429, 'Too Many Requests'),
      headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1', 'x-ratelimit-period': '10' }
    }
    const s = await scenario(faultSequence([limited, { ...ACCEPTED, delayMs: 3000 }, { ...ACCEPTED, resetMidBody: true }]), HANG_TIMEOUT)
    expectDelivered(s)
    expect(s.dd.requests).toHaveLength(4)
    // The first wait is the one Datadog asked for: 1 s, plus up to 1 s of spread.
    expect(s.sleeps[0]).toBeGreaterThanOrEqual(1000)
    expect(s.sleeps[0]).toBeLessThanOrEqual(2000)
  })

  test('413 for a batch too large: the batch is halved until accepted, nothing dropped or doubled', async () => {
    const s = await scenario((request, _index, normal) =>
      (JSON.parse(request.body) as { series: unknown[] }).series.length > 6 ? error(413, 'Payload too large') : normal()
    )
    expect(s.result.code).toBe(0)
    expect(s.dd.series).toHaveLength(18)
    expect(new Set(s.dd.series.map(pointKey)).size).toBe(18)
    expect(accountsSent(s.dd)).toEqual(new Set(THREE))
    // 25 series (18 + the collector's 7): 25 → 413, 13 → 413, 7 → 413, then 4 and 3 accepted, 6 accepted,
    // 12 → 413, then 6 and 6 accepted.
    expect(s.dd.requests.map((r) => (JSON.parse(r.body) as { series: unknown[] }).series.length)).toEqual([25, 13, 7, 4, 3, 6, 12, 6, 6])
    expect(s.log).toContain('Datadog accepted 25 series in 9 request(s).')
  })

  test('a 202 that arrives after the client gave up: the retry sends the same points again, which overwrite themselves', async () => {
    const s = await scenario(
      fault((normal) => ({ ...normal(), delayMs: 3000 }), { times: 1 }),
      HANG_TIMEOUT
    )
    expect(s.result.code).toBe(0)
    // Datadog stored both deliveries; every point of the second is identical to one of the first.
    expect(s.dd.series).toHaveLength(36)
    const first = s.dd.series.slice(0, 18)
    const second = s.dd.series.slice(18)
    expect(second).toEqual(first)
    expect(new Set(s.dd.series.map(pointKey)).size).toBe(18)
  })
})

describe('Datadog finally refuses: the run fails and the series are saved for re-sending', () => {
  test('a persistent 503', async () => {
    const s = await scenario(fault(error(503, 'Service Unavailable')))
    await expectSavedForResend(s, 'Datadog answered 503 after all retries. Datadog said: "Service Unavailable".')
    expect(s.dd.requests).toHaveLength(3)
  })

  test('a persistent HTML error page, reported without the HTML', async () => {
    const s = await scenario(fault({ status: 502, headers: { 'content-type': 'text/html' }, body: HTML_PAGE }))
    await expectSavedForResend(s, /Datadog answered 502 after all retries\./)
    expect(s.log).not.toContain('<html')
  })

  test('a 429 whose reset is later than the allowed wait', async () => {
    const s = await scenario(fault({ ...error(429, 'Too Many Requests'), headers: { 'x-ratelimit-reset': '3600' } }))
    await expectSavedForResend(s, /Datadog rate limit is exhausted and resets at .* \(in 3600 s\), later than the allowed wait of 5 s\./)
    expect(s.dd.requests).toHaveLength(1)
  })

  test('a request that always hangs', async () => {
    const s = await scenario(fault({ ...ACCEPTED, delayMs: 5000 }), HANG_TIMEOUT)
    await expectSavedForResend(s, /Datadog request to 127\.0\.0\.1:\d+ failed after 3 attempts: no answer within 0\.5 s\./)
  })

  test('connections that always reset', async () => {
    const s = await scenario(fault({ ...ACCEPTED, resetMidBody: true }))
    await expectSavedForResend(s, /Datadog request to 127\.0\.0\.1:\d+ failed after 3 attempts: connection failed \(ECONNRESET\)\./)
  })

  test('400 with an error body, not retried', async () => {
    const s = await scenario(fault(error(400, 'Invalid metric name')))
    await expectSavedForResend(
      s,
      'Datadog rejected the series as malformed (400 Bad Request). Datadog said: "Invalid metric name". Check metric-prefix and tags'
    )
    expect(s.dd.requests).toHaveLength(1)
  })

  test('403 for the API key, not retried', async () => {
    const s = await scenario(fault(error(403, 'Forbidden')))
    await expectSavedForResend(
      s,
      /Datadog refused the API key \(403\): it is not a valid API key for http:\/\/127\.0\.0\.1:\d+\. Datadog said: "Forbidden"\. Check datadog-api-key/
    )
    expect(s.dd.requests).toHaveLength(1)
  })
})
