import { afterEach, describe, expect, test } from '@jest/globals'
import { DEFAULT_POLICY, backoffDelay, type RetryPolicy } from '../../src/http/retry.js'
import { NetworkError, RateLimitError } from '../../src/http/errors.js'
import { mapWithConcurrency } from '../../src/http/concurrency.js'
import { send, type HttpDeps } from '../../src/http/send.js'
import { start, type StandIn } from '../support/stand-ins.js'

let server: StandIn | undefined
afterEach(async () => server?.close())

const policy: RetryPolicy = { ...DEFAULT_POLICY, maxRetries: 3, timeoutMs: 300, maxRateLimitWaitMs: 10_000 }

/** Real fetch and sockets; sleeps are recorded instead of waited. */
function deps(now = 1_000_000): HttpDeps & { sleeps: number[] } {
  const sleeps: number[] = []
  return { fetch: globalThis.fetch, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => now, sleeps }
}

const resetAt = (r: { headers: Headers }): number | undefined => (r.headers.has('reset') ? Number(r.headers.get('reset')) : undefined)

describe('send: the shared retry policy', () => {
  test('5xx answers are retried with growing backoff until one succeeds', async () => {
    server = await start(() => ({ status: 200, body: 'ok' }))
    server.override = (_r, i) => (i < 2 ? { status: 503, body: 'busy' } : undefined)
    const d = deps()
    const response = await send({ method: 'GET', url: server.url }, { policy, deps: d, service: 'T', rateLimitResetAt: resetAt })
    expect(response).toMatchObject({ status: 200, body: 'ok' })
    expect(server.requests).toHaveLength(3)
    expect(d.sleeps).toEqual([250, 500])
  })

  test('retries are bounded: the last 5xx answer is returned', async () => {
    server = await start(() => ({ status: 502, body: 'bad gateway' }))
    const response = await send({ method: 'GET', url: server.url }, { policy, deps: deps(), service: 'T', rateLimitResetAt: resetAt })
    expect(response.status).toBe(502)
    expect(server.requests).toHaveLength(policy.maxRetries + 1)
  })

  test('a hang past the timeout is retried, then fails with a message naming only the host', async () => {
    server = await start(() => ({ status: 200, body: 'late', delayMs: 2000 }))
    const error = await send(
      { method: 'GET', url: `${server.url}/path?token=secret` },
      { policy: { ...policy, maxRetries: 1 }, deps: deps(), service: 'T', rateLimitResetAt: resetAt }
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as Error).message).toMatch(/^T request to 127\.0\.0\.1:\d+ failed after 2 attempts: no answer within 0.3 s\.$/)
    expect((error as Error).message).not.toContain('secret')
  })

  test('a 429 waits until the reset when it is within the allowed wait', async () => {
    server = await start(() => ({ status: 200, body: 'ok' }))
    server.override = (_r, i) => (i === 0 ? { status: 429, headers: { reset: String(1_000_000 + 4000) } } : undefined)
    const d = deps()
    await send({ method: 'GET', url: server.url }, { policy, deps: d, service: 'T', rateLimitResetAt: resetAt })
    expect(d.sleeps).toEqual([4000 + 500])
  })

  test('a 429 whose reset is beyond the allowed wait fails at once with the reset time', async () => {
    server = await start(() => ({ status: 429, headers: { reset: String(1_000_000 + 60_000) } }))
    const error = await send({ method: 'GET', url: server.url }, { policy, deps: deps(), service: 'T', rateLimitResetAt: resetAt }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).resetAt).toBe(1_060_000)
    expect((error as Error).message).toContain('resets at 1970-01-01T00:17:40.000Z (in 60 s)')
    expect(server.requests).toHaveLength(1)
  })

  test('a 429 without a reset backs off like a transient error, bounded', async () => {
    server = await start(() => ({ status: 429 }))
    const error = await send({ method: 'GET', url: server.url }, { policy, deps: deps(), service: 'T', rateLimitResetAt: resetAt }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(server.requests).toHaveLength(policy.maxRetries + 1)
  })

  test('4xx answers other than 408 and 429 are returned at once', async () => {
    server = await start(() => ({ status: 400, body: 'no' }))
    expect((await send({ method: 'GET', url: server.url }, { policy, deps: deps(), service: 'T', rateLimitResetAt: resetAt })).status).toBe(400)
    expect(server.requests).toHaveLength(1)
  })
})

describe('helpers', () => {
  test('backoff is full jitter under a capped exponential bound', () => {
    expect([0, 1, 2, 10].map((a) => backoffDelay(a, DEFAULT_POLICY, () => 1))).toEqual([500, 1000, 2000, 10_000])
    expect(backoffDelay(3, DEFAULT_POLICY, () => 0)).toBe(0)
  })

  test('mapWithConcurrency keeps order and never exceeds the bound', async () => {
    let running = 0
    let peak = 0
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, n))
      running--
      return n * 10
    })
    expect(results).toEqual([50, 10, 40, 20, 30])
    expect(peak).toBe(2)
  })
})
