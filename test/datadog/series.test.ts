/** Series to Datadog as plain POST /api/v2/series requests: the request, the payload limits, and how each answer is read. */
import { afterEach, describe, expect, test } from '@jest/globals'
import { gzipSync } from 'node:zlib'
import { DATADOG_LIMITS, createDatadogClient, payloadOf, readSeriesAnswer, splitSeries, type SplitLimits } from '../../src/datadog/series.js'
import { DEFAULT_POLICY, type RetryPolicy } from '../../src/http/retry.js'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import type { Sample, Series } from '../../src/model.js'
import { SampleSeries, toSeries } from '../../src/series/metrics.js'
import { DD_KEY, startDatadogStandIn, type DatadogStandIn } from '../support/stand-ins.js'

const POLICY: RetryPolicy = { ...DEFAULT_POLICY, maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000 }
const DEPS: HttpDeps = { ...realHttpDeps, sleep: async () => {} }

let dd: DatadogStandIn
afterEach(async () => dd?.close())

function gauges(count: number, from = 0): Series[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: 'twitter.followers_count',
    type: 3 as const,
    points: [{ timestamp: 1_700_000_000, value: from + i }],
    tags: [`account:u${from + i}`, 'network:x']
  }))
}

/** Two series whose POST body is exactly `bytes` long, the second padded with a long tag. */
function bodyOfExactly(bytes: number): Series[] {
  const series = gauges(2)
  series[1]!.tags.push('pad:')
  const padding = bytes - Buffer.byteLength(payloadOf(series))
  series[1]!.tags[2] = `pad:${'x'.repeat(padding)}`
  expect(Buffer.byteLength(payloadOf(series))).toBe(bytes)
  return series
}

function client(limits?: SplitLimits, apiKey = DD_KEY) {
  return createDatadogClient({ apiKey, baseUrl: dd.url, site: 'datadoghq.eu', policy: POLICY, deps: DEPS, ...(limits ? { limits } : {}) })
}

describe('the request', () => {
  test('each batch is one POST /api/v2/series with DD-API-KEY, a JSON content type and a gzip body holding exactly its series', async () => {
    dd = await startDatadogStandIn()
    const series = gauges(300)
    const report = await client({ maxRawBytes: 10_000, maxCompressedBytes: 512_000 }).submit(series)
    expect(report.error).toBeUndefined()
    expect(dd.requests.length).toBeGreaterThan(2)
    expect(report).toEqual({ sent: 300, requests: dd.requests.length, bytesSent: dd.requests.reduce((n, r) => n + r.rawLength, 0), undelivered: [] })
    const batches: Series[][] = []
    for (const request of dd.requests) {
      expect(request.method).toBe('POST')
      expect(request.url).toBe('/api/v2/series')
      expect(request.headers).toMatchObject({ 'dd-api-key': DD_KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' })
      const body = JSON.parse(request.body) as { series: Series[] }
      expect(request.body).toBe(payloadOf(body.series))
      batches.push(body.series)
    }
    expect(batches.flat()).toEqual(series)
  })
})

describe('the bodies, written in place', () => {
  const accept = () => ({ status: 202, body: '{"errors":[]}' })

  test('each body is the UTF-8 of its payload, and batches are split on bytes, not characters', async () => {
    dd = await startDatadogStandIn()
    const series = gauges(3).map((item, i) => ({ ...item, tags: [...item.tags, `city:zürich_${'日本'.repeat(40)}${i}`] }))
    const limit = Buffer.byteLength(payloadOf(series.slice(0, 2)))
    // Counted in characters, all three would fit under the limit.
    expect(payloadOf(series).length).toBeLessThanOrEqual(limit)
    const report = await client({ maxRawBytes: limit, maxCompressedBytes: 512_000 }).submit(series)
    expect(report.error).toBeUndefined()
    const bodies = dd.requests.map((r) => JSON.parse(r.body) as { series: Series[] })
    expect(bodies.map((b) => b.series.length)).toEqual([2, 1])
    dd.requests.forEach((request, i) => expect(request.body).toBe(payloadOf(bodies[i]!.series)))
    expect(bodies.flatMap((b) => b.series)).toEqual(series)
  })

  test('a body larger than the first buffer (8 MiB), where the limits allow one, is sent whole', async () => {
    dd = await startDatadogStandIn()
    dd.override = accept
    const series = gauges(3).map((item, i) => ({ ...item, tags: [...item.tags, `pad:${String(i).repeat(3_500_000)}`] }))
    const report = await client({ maxRawBytes: 16 * 1024 * 1024, maxCompressedBytes: 512_000 }).submit(series)
    expect(report).toMatchObject({ sent: 3, requests: 1, undelivered: [] })
    expect(dd.requests[0]!.body).toBe(payloadOf(series))
  })
})

describe("a run's series, made from its samples as they are read", () => {
  const samples: Sample[] = Array.from({ length: 60 }, (_, i) => ({
    account: { network: 'x', handle: `u${i}`, key: `u${i}` },
    timestamp: 1_700_000_000,
    metrics: { followers_count: i, friends_count: i + 1, status_count: i + 2 }
  }))

  test('are sent in order, and those from the first batch not accepted on are handed back whole', async () => {
    dd = await startDatadogStandIn()
    dd.override = (_request, index, normal) => (index === 1 ? { status: 400, body: '{"errors":["Bad"]}' } : normal())
    const list = SampleSeries.of(samples, 'twitter', [])
    const report = await client({ maxRawBytes: 5_000, maxCompressedBytes: 512_000 }).submit(list)
    const expected = toSeries(samples, 'twitter', [])
    const first = (JSON.parse(dd.requests[0]!.body) as { series: Series[] }).series
    expect(first).toEqual(expected.slice(0, first.length))
    expect(report.sent).toBe(first.length)
    expect(report.undelivered).toEqual(expected.slice(first.length))
  })
})

describe("Datadog's payload limits", () => {
  test('a body of exactly 5,242,880 decompressed bytes is split, since Datadog wants less; one byte less is one request', () => {
    expect(splitSeries(bodyOfExactly(5_242_880))).toHaveLength(2)
    expect(splitSeries(bodyOfExactly(5_242_879))).toHaveLength(1)
    expect(DATADOG_LIMITS.maxRawBytes).toBe(5_242_879)
  })

  test('the stand-in refuses a body of exactly 5 MiB as Datadog does, and the client never sends one', async () => {
    dd = await startDatadogStandIn()
    const refused = await fetch(`${dd.url}/api/v2/series`, {
      method: 'POST',
      headers: { 'dd-api-key': DD_KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(payloadOf(bodyOfExactly(5_242_880)))
    })
    expect(refused.status).toBe(413)
    dd.requests.length = 0
    const series = bodyOfExactly(5_242_880)
    const report = await client().submit(series)
    expect(report.error).toBeUndefined()
    expect(dd.requests.map((r) => Buffer.byteLength(r.body) < 5_242_880)).toEqual([true, true])
    expect(dd.series).toEqual(series)
  })

  test('the compressed limit is a maximum: a body that gzips to exactly the limit is one request, one byte less splits it', () => {
    const series = gauges(400)
    const compressed = gzipSync(payloadOf(series)).length
    expect(splitSeries(series, { maxRawBytes: 5_000_000, maxCompressedBytes: compressed })).toHaveLength(1)
    const split = splitSeries(series, { maxRawBytes: 5_000_000, maxCompressedBytes: compressed - 1 })
    expect(split.length).toBeGreaterThan(1)
    expect(split.flat()).toEqual(series)
  })
})

describe("reading Datadog's answer", () => {
  const answer = (status: number, body: string) => readSeriesAnswer({ status, headers: new Headers(), body }, 123)

  test('202 with no errors (as the spec answers) is accepted; errors, a body that is not JSON, or a refusal are not', () => {
    expect(answer(202, '{"errors":[]}')).toEqual({ kind: 'accepted', bytes: 123 })
    expect(answer(202, '{"errors":["Point timestamp is too old"]}')).toEqual({
      kind: 'accepted-with-errors',
      status: 202,
      body: '{"errors":["Point timestamp is too old"]}'
    })
    expect(answer(200, '<html>Sign in to the proxy</html>')).toEqual({ kind: 'unconfirmed', status: 200, json: false })
    expect(answer(204, '')).toEqual({ kind: 'unconfirmed', status: 204, json: false })
    expect(answer(202, '[]')).toEqual({ kind: 'unconfirmed', status: 202, json: true })
    expect(answer(400, '{"errors":["Bad"]}')).toEqual({ kind: 'refused', status: 400, body: '{"errors":["Bad"]}' })
  })

  test('a 2xx that lists errors is not counted as delivered: that batch and the rest are kept, and Datadog is quoted', async () => {
    dd = await startDatadogStandIn()
    dd.override = (_request, index, normal) => (index === 1 ? { status: 202, body: JSON.stringify({ errors: ['Point timestamp is too old'] }) } : normal())
    const series = gauges(300)
    const report = await client({ maxRawBytes: 10_000, maxCompressedBytes: 512_000 }).submit(series)
    const first = (JSON.parse(dd.requests[0]!.body) as { series: Series[] }).series.length
    expect(dd.requests).toHaveLength(2)
    expect(report.sent).toBe(first)
    expect(report.bytesSent).toBe(dd.requests[0]!.rawLength)
    expect(report.undelivered).toEqual(series.slice(first))
    expect(report.error).toBe(
      `Datadog answered 202 to a request of ${(JSON.parse(dd.requests[1]!.body) as { series: Series[] }).series.length} series but reported errors in it, so they are not counted as delivered. Datadog said: "Point timestamp is too old". They are kept with any not yet sent; re-sending is safe, since a gauge point sent again replaces itself.`
    )
  })

  test("a 2xx whose body is not Datadog's JSON (a proxy's page) keeps every series and names the site", async () => {
    dd = await startDatadogStandIn()
    dd.override = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Welcome to the hotel wifi</body></html>' })
    const series = gauges(5)
    const report = await client().submit(series)
    expect(report.sent).toBe(0)
    expect(report.undelivered).toEqual(series)
    expect(report.error).toMatch(/^The Datadog address for datadoghq\.eu answered 200 with a body that is not Datadog's JSON/)
    expect(report.error).not.toContain('<html')
  })

  test('a 413 for a single series is a refusal, not an endless split', async () => {
    dd = await startDatadogStandIn()
    dd.override = () => ({ status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) })
    const series = gauges(2)
    const report = await client().submit(series)
    // 2 → 413, then the first half alone → 413: refused, with both kept.
    expect(dd.requests).toHaveLength(2)
    expect(report.undelivered).toEqual(series)
    expect(report.error).toBe('Datadog refused a payload as too large (413) even after splitting it to a single series. Datadog said: "Payload too large".')
  })

  test('the API key never appears in a message, even when a 2xx lists it among its errors', async () => {
    const key = 'dd-api-key-echoed-back-0123456789'
    dd = await startDatadogStandIn(key)
    dd.override = (request) => ({ status: 202, body: JSON.stringify({ errors: [`bad request with headers ${JSON.stringify(request.headers)}`] }) })
    const report = await client(undefined, key).submit(gauges(1))
    expect(report.error).toContain('***')
    expect(report.error).not.toContain(key)
    expect(report.error).not.toContain(key.slice(0, 12))
  })
})
