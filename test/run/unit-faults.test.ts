/**
 * Fault handling at the unit level, against the stand-ins' real sockets: what the shared transport
 * says about each failure, the Datadog client's splitting under small limits and on a 413, and
 * X answers whose shapes are broken.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { createDatadogClient, payloadOf } from '../../src/datadog/series.js'
import { DEFAULT_POLICY, type RetryPolicy } from '../../src/http/retry.js'
import { NetworkError, RateLimitError, errorCode } from '../../src/http/errors.js'
import { realHttpDeps, send, type HttpDeps } from '../../src/http/send.js'
import type { Series } from '../../src/model.js'
import { createXSource, readLookup } from '../../src/sources/x.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn } from '../support/stand-ins.js'

// The timeout is long enough for a loaded machine: the cases here end by a reset or an answer, never by waiting.
const POLICY: RetryPolicy = { ...DEFAULT_POLICY, maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 }
const DEPS: HttpDeps = { ...realHttpDeps, sleep: async () => {} }

let dd: DatadogStandIn
beforeEach(async () => {
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await dd.close()
})

async function failureOf(url: string, policy = POLICY, deps = DEPS): Promise<Error> {
  const error = await send({ method: 'GET', url }, { policy, deps, service: 'Test', rateLimitResetAt: () => undefined }).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('what the transport says about a failed request', () => {
  test('a connection reset mid-body names the error code, and not the path or query', async () => {
    dd.override = () => ({ status: 200, body: '{"long":"' + 'x'.repeat(1000) + '"}', resetMidBody: true })
    const error = await failureOf(`${dd.url}/secret-path?api_key=in-the-query`)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toBe(`Test request to ${new URL(dd.url).host} failed after 2 attempts: connection failed (ECONNRESET).`)
    expect(dd.requests).toHaveLength(2)
  })

  test('a refused connection names ECONNREFUSED', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const error = await failureOf(`http://127.0.0.1:${port}/`)
    expect(error.message).toBe(`Test request to 127.0.0.1:${port} failed after 2 attempts: connection failed (ECONNREFUSED).`)
  })

  test('a hang past the timeout says how long it waited', async () => {
    dd.override = () => ({ status: 202, body: '{}', delayMs: 2000 })
    const error = await failureOf(`${dd.url}/api/v2/series`, { ...POLICY, timeoutMs: 300 })
    expect(error.message).toMatch(/failed after 2 attempts: no answer within 0\.3 s\.$/)
  })

  test('error codes are found on the cause chain and in aggregate errors, whatever realm made them', () => {
    expect(errorCode({ name: 'TypeError', cause: { name: 'SocketError', code: 'UND_ERR_SOCKET' } })).toBe('UND_ERR_SOCKET')
    expect(errorCode({ cause: { errors: [{ message: 'x' }, { code: 'ECONNREFUSED' }] } })).toBe('ECONNREFUSED')
    expect(errorCode(new TypeError('fetch failed', { cause: Object.assign(new Error('boom'), { code: 'ECONNRESET' }) }))).toBe('ECONNRESET')
    // A "code" that is not code-shaped could be anything, so it is not shown.
    expect(errorCode({ cause: { code: 'Bearer abc.def' } })).toBeUndefined()
    expect(errorCode({ code: 23, name: 'TimeoutError' })).toBeUndefined()
  })

  test('rate-limit waits are bounded in number, and the message says so', async () => {
    dd.override = () => ({ status: 429, headers: { 'x-ratelimit-reset': '1' }, body: '{"errors":["Too many requests"]}' })
    let now = 1_000_000
    const deps: HttpDeps = { ...DEPS, now: () => now, sleep: async (ms) => void (now += ms) }
    const error = await send(
      { method: 'GET', url: dd.url },
      { policy: POLICY, deps, service: 'Datadog', rateLimitResetAt: (r, at) => at + Number(r.headers.get('x-ratelimit-reset')) * 1000 }
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as Error).message).toBe('Datadog still answered 429 Too Many Requests after waiting for the rate limit to reset 3 times.')
    expect(dd.requests).toHaveLength(4)
  })
})

function gauges(count: number, tag: (i: number) => string[]): Series[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: 'twitter.followers_count',
    type: 3 as const,
    points: [{ timestamp: 1_700_000_000, value: i }],
    tags: [`account:u${i}`, 'network:x', ...tag(i)]
  }))
}

function client(limits?: { maxCompressedBytes: number; maxRawBytes: number }) {
  // Bodies of up to a megabyte are no hang: a timeout long enough for them on a loaded machine (300 ms was not).
  const policy = { ...POLICY, timeoutMs: 10_000 }
  return createDatadogClient({ apiKey: DD_KEY, baseUrl: dd.url, site: 'datadoghq.com', policy, deps: DEPS, ...(limits ? { limits } : {}) })
}

describe('Datadog batches', () => {
  test('small limits split the series into requests within both limits, all delivered in order', async () => {
    const series = gauges(200, () => [])
    const limits = { maxCompressedBytes: 600, maxRawBytes: 4000 }
    const report = await client(limits).submit(series)
    expect(report.error).toBeUndefined()
    expect(report.sent).toBe(200)
    expect(dd.requests.length).toBeGreaterThan(3)
    for (const request of dd.requests) {
      expect(request.rawLength).toBeLessThanOrEqual(limits.maxCompressedBytes)
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(limits.maxRawBytes)
    }
    expect(dd.series).toEqual(series)
  })

  test("a 413 from Datadog, whose limit is stricter than the client's, is split and retried: nothing dropped", async () => {
    // Random tags do not compress: about 1.3 MB of JSON that gzips to more than Datadog's 512,000 bytes.
    const series = gauges(3000, () => [`r:${randomBytes(100).toString('hex')}`, `s:${randomBytes(100).toString('hex')}`])
    expect(gzipSync(payloadOf(series)).length).toBeGreaterThan(512_000)
    const report = await client({ maxCompressedBytes: 10_000_000, maxRawBytes: 5_000_000 }).submit(series)
    expect(report.error).toBeUndefined()
    expect(report.undelivered).toEqual([])
    expect(dd.requests.map((r) => r.rawLength > 512_000)).toEqual([true, false, false])
    expect(dd.series).toEqual(series)
  })

  test('a single series too large to ever be accepted is reported with everything kept, not thrown', async () => {
    const series = gauges(3, (i) => (i === 1 ? [`big:${'x'.repeat(5000)}`] : []))
    const report = await client({ maxCompressedBytes: 1000, maxRawBytes: 2000 }).submit(series)
    expect(report.error).toBe("Datadog delivery failed: the series twitter.followers_count alone exceeds Datadog's payload limits and cannot be sent.")
    expect(report.undelivered).toEqual(series)
    expect(dd.requests).toHaveLength(0)
  })

  test('a refusal with an HTML body is described by its status, not the page', async () => {
    dd.override = () => ({ status: 403, headers: { 'content-type': 'text/html' }, body: '<html><body>Access denied</body></html>' })
    const report = await client().submit(gauges(2, () => []))
    expect(report.error).toBe(
      'Datadog refused the API key (403): it is not a valid API key for datadoghq.com. Check datadog-api-key, and set datadog-site to the site your organisation uses (for example datadoghq.eu or us5.datadoghq.com).'
    )
    expect(report.undelivered).toHaveLength(2)
  })
})

describe('X answers with broken shapes', () => {
  const accounts = ['jack', 'nasa'].map((handle) => ({ network: 'x' as const, handle, key: handle }))

  test('null entries and non-object metrics are reported per account, never thrown', () => {
    const collection = readLookup({ data: [null, { username: 'jack', public_metrics: 5 }], errors: [null, 7] }, accounts, 1)
    expect(collection.samples).toEqual([])
    expect(collection.failures.map((f) => f.message)).toEqual(['X returned no usable metrics for jack.', 'X answered without data or an error for nasa.'])
  })

  test('a 403 whose errors array holds junk is still reported as refused credentials', async () => {
    const x = await startXStandIn({ jack: metricsFor(1) })
    x.override = () => ({ status: 403, body: JSON.stringify({ errors: [null, 'x', { message: 'Forbidden', code: 453 }] }) })
    try {
      const source = createXSource({ auth: { kind: 'bearer', token: X_TOKEN }, apiUrl: x.url, policy: POLICY, concurrency: 1, deps: DEPS })
      const collection = await source.collect(accounts)
      expect(collection.failures).toHaveLength(1)
      expect(collection.failures[0]).toMatchObject({ fatal: true, accounts })
      expect(collection.failures[0]!.message).toContain('X refused the user lookup for this app\'s access tier (403, error 453). X said: "Forbidden".')
    } finally {
      await x.close()
    }
  })
})
