import { afterEach, describe, expect, test } from '@jest/globals'
import { gzipSync } from 'node:zlib'
import { DATADOG_LIMITS, createDatadogClient, createDryRunClient, payloadOf, splitSeries } from '../../src/datadog/series.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { Series } from '../../src/model.js'
import { DD_KEY, startDatadogStandIn, type DatadogStandIn } from '../support/stand-ins.js'

let dd: DatadogStandIn | undefined
afterEach(async () => dd?.close())

function manySeries(n: number): Series[] {
  return Array.from({ length: n }, (_, i) => ({
    metric: `twitter.m${i % 6}`,
    type: 3,
    points: [{ timestamp: 1700000000, value: i * 7919 }],
    tags: [`account:user_${i}`, 'network:x', `team:t${i % 13}`]
  }))
}

describe('splitSeries', () => {
  test('everything fits in one batch when under both limits', () => {
    expect(splitSeries(manySeries(6000))).toHaveLength(1)
  })

  test('batches stay under the raw and compressed limits, keep order and drop nothing', () => {
    const series = manySeries(5000)
    const limits = { maxRawBytes: 60_000, maxCompressedBytes: 4_000 }
    const batches = splitSeries(series, limits)
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.flat()).toEqual(series)
    for (const batch of batches) {
      expect(Buffer.byteLength(payloadOf(batch))).toBeLessThanOrEqual(limits.maxRawBytes)
      expect(gzipSync(payloadOf(batch)).length).toBeLessThanOrEqual(limits.maxCompressedBytes)
    }
  })

  test("60,000 series (10,000 accounts) split at Datadog's 5 MiB raw limit into the fewest requests", () => {
    const series = manySeries(60_000)
    const raw = Buffer.byteLength(payloadOf(series))
    const batches = splitSeries(series, DATADOG_LIMITS)
    expect(batches).toHaveLength(Math.ceil(raw / DATADOG_LIMITS.maxRawBytes))
  })

  test('a single series too big for any request is an error, not a silent drop', () => {
    expect(() => splitSeries(manySeries(1), { maxRawBytes: 50, maxCompressedBytes: 50 })).toThrow(/alone exceeds/)
  })
})

describe('the Datadog client against a local stand-in', () => {
  test('sends gzip bodies with the API key and reports what was accepted', async () => {
    dd = await startDatadogStandIn()
    const client = createDatadogClient({
      apiKey: DD_KEY,
      baseUrl: dd.url,
      site: 'datadoghq.com',
      policy: DEFAULT_POLICY,
      deps: realHttpDeps,
      limits: { maxRawBytes: 20_000, maxCompressedBytes: 512_000 }
    })
    const series = manySeries(500)
    const report = await client.submit(series)
    expect(report.error).toBeUndefined()
    expect(report.sent).toBe(500)
    expect(report.requests).toBe(dd.requests.length)
    expect(dd.requests.length).toBeGreaterThan(1)
    expect(dd.requests.every((r) => r.headers['content-encoding'] === 'gzip' && r.headers['dd-api-key'] === DD_KEY)).toBe(true)
    expect(report.bytesSent).toBe(dd.requests.reduce((n, r) => n + r.rawLength, 0))
    expect(dd.series).toEqual(series)
  })

  test('a 413 splits the batch and retries the halves: nothing is dropped', async () => {
    dd = await startDatadogStandIn()
    dd.override = (request) =>
      (JSON.parse(request.body) as { series: unknown[] }).series.length > 100
        ? { status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) }
        : undefined
    const client = createDatadogClient({ apiKey: DD_KEY, baseUrl: dd.url, site: 'datadoghq.com', policy: DEFAULT_POLICY, deps: realHttpDeps })
    const series = manySeries(300)
    const report = await client.submit(series)
    expect(report.error).toBeUndefined()
    expect(dd.series).toHaveLength(300)
    expect(new Set(dd.series.map((s) => s.tags[0])).size).toBe(300)
  })

  test('a 413 for a batch gzipped while packing (over 512,000 bytes raw) halves it from its series: nothing dropped or doubled', async () => {
    dd = await startDatadogStandIn()
    dd.override = (request) =>
      (JSON.parse(request.body) as { series: unknown[] }).series.length > 3000
        ? { status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) }
        : undefined
    const client = createDatadogClient({ apiKey: DD_KEY, baseUrl: dd.url, site: 'datadoghq.com', policy: DEFAULT_POLICY, deps: realHttpDeps })
    const series = manySeries(6000)
    expect(Buffer.byteLength(payloadOf(series))).toBeGreaterThan(DATADOG_LIMITS.maxCompressedBytes)
    const report = await client.submit(series)
    expect(report.error).toBeUndefined()
    expect(dd.requests.map((r) => (JSON.parse(r.body) as { series: unknown[] }).series.length)).toEqual([6000, 3000, 3000])
    expect(dd.series).toEqual(series)
  })

  test('a 403 names the key and the site, and returns every series as undelivered', async () => {
    dd = await startDatadogStandIn('another-key')
    const client = createDatadogClient({ apiKey: DD_KEY, baseUrl: dd.url, site: 'datadoghq.eu', policy: DEFAULT_POLICY, deps: realHttpDeps })
    const series = manySeries(10)
    const report = await client.submit(series)
    expect(report.error).toContain('Datadog refused the API key (403): it is not a valid API key for datadoghq.eu')
    expect(report.undelivered).toEqual(series)
    expect(report.error).not.toContain(DD_KEY)
  })

  test('the dry-run client prints every series and sends nothing', async () => {
    const lines: string[] = []
    const report = await createDryRunClient((line) => lines.push(line)).submit(manySeries(2))
    expect(lines).toEqual(['twitter.m0 0 @1700000000 [account:user_0,network:x,team:t0]', 'twitter.m1 7919 @1700000000 [account:user_1,network:x,team:t1]'])
    expect(report).toEqual({ sent: 2, requests: 0, bytesSent: 0, undelivered: [] })
  })
})
