/**
 * The transport's bounds (src/http/send.ts): answers capped while streaming, decompression ours and under the same
 * cap, redirects refused, reset headers out of range ignored, one run deadline, a log line per retry or wait,
 * and a signing hook called for every attempt. Real sockets on 127.0.0.1; waits on a fake clock.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { DEFAULT_POLICY, type RetryEvent, type RetryPolicy } from '../../src/http/retry.js'
import { DeadlineError, NetworkError, RateLimitError, RefusedAnswerError } from '../../src/http/errors.js'
import { realHttpDeps, send, type HttpDeps, type SendOptions } from '../../src/http/send.js'
import { epochSecondsHeader } from '../../src/sources/shared.js'
import { mastodonResetAt } from '../../src/sources/mastodon.js'
import { datadogResetAt } from '../../src/datadog/series.js'
import { endlessBody, gzipBomb, largeBody, neverAnswers, redirectTo } from '../support/hostile-answers.js'
import { start, type StandIn } from '../support/stand-ins.js'

const servers: StandIn[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(answer: Parameters<typeof start>[0] = () => ({ status: 200, body: '{"ok":true}' })): Promise<StandIn> {
  const standIn = await start(answer)
  servers.push(standIn)
  return standIn
}

const policy: RetryPolicy = { ...DEFAULT_POLICY, maxRetries: 3, timeoutMs: 5_000, maxRateLimitWaitMs: 600_000 }

/** Real network; a fake clock that moves only when the transport sleeps. */
function fakeClock(start = 1_700_000_000_000): HttpDeps & { sleeps: number[]; advance(ms: number): void } {
  let now = start
  const sleeps: number[] = []
  return {
    fetch: realHttpDeps.fetch,
    random: () => 0.5,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    advance: (ms) => void (now += ms),
    sleeps
  }
}

function options(deps: HttpDeps, extra: Partial<SendOptions> = {}): SendOptions {
  return { policy, deps, service: 'Test', rateLimitResetAt: epochSecondsHeader('x-rate-limit-reset'), ...extra }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('answers are read under a size cap, decompression included', () => {
  test('an endless body stops at the cap and is not retried', async () => {
    const s = await server(() => endlessBody())
    const started = Date.now()
    const error = await failure(send({ method: 'GET', url: `${s.url}/2/users/by?token=secret` }, options(fakeClock(), { maxBodyBytes: 256 * 1024 })))
    expect(error).toBeInstanceOf(RefusedAnswerError)
    expect(error.message).toBe(`Test answered from ${new URL(s.url).host} with a body larger than 256 KiB, which was not read.`)
    expect(s.requests).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  test('a 50 MB body fails at the default cap of 4 MiB', async () => {
    const s = await server(() => largeBody())
    const error = await failure(send({ method: 'GET', url: s.url }, options(fakeClock())))
    expect(error.message).toContain('with a body larger than 4096 KiB')
  })

  test('a 4 MiB gzip bomb is decoded by us only up to the cap', async () => {
    const s = await server(() => gzipBomb())
    const before = process.memoryUsage().rss
    const error = await failure(send({ method: 'GET', url: s.url }, options(fakeClock())))
    expect(error).toBeInstanceOf(RefusedAnswerError)
    expect(error.message).toContain('with a body larger than 4096 KiB')
    // 4 GiB if decoded whole; the cap keeps it to a few MiB of buffers.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)
  })

  test('well-behaved compressed answers are decoded: gzip, deflate, br, and two codings in a row', async () => {
    const json = JSON.stringify({ data: [{ username: 'jack' }] })
    const encodings: [string, Buffer][] = [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
      ['gzip, br', brotliCompressSync(gzipSync(json))]
    ]
    for (const [encoding, bytes] of encodings) {
      const s = await server(() => ({
        status: 200,
        raw: (res) => {
          res.writeHead(200, { 'content-encoding': encoding })
          res.end(bytes)
        }
      }))
      const response = await send({ method: 'GET', url: s.url }, options(fakeClock()))
      expect([encoding, response.body]).toEqual([encoding, json])
      expect(s.requests[0]!.headers['accept-encoding']).toBe('gzip, deflate, br')
    }
  })

  test('an unknown content-encoding, or a body that does not decode, fails without a retry', async () => {
    const s = await server(() => ({ status: 200, headers: { 'content-encoding': 'zstd' }, body: 'xx' }))
    expect((await failure(send({ method: 'GET', url: s.url }, options(fakeClock())))).message).toContain(
      'content-encoding that is not gzip, deflate or br ("zstd")'
    )
    const t = await server(() => ({ status: 200, headers: { 'content-encoding': 'gzip' }, body: 'not gzip at all' }))
    const error = await failure(send({ method: 'GET', url: t.url }, options(fakeClock())))
    expect(error).toBeInstanceOf(RefusedAnswerError)
    expect(error.message).toMatch(/with a gzip body that does not decode \(Z_DATA_ERROR\)/)
    expect(t.requests).toHaveLength(1)
  })
})

describe('redirects are never followed', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`${status}: fails naming the status and the target host, never the path or query; the other host gets nothing`, async () => {
      const other = await server()
      const s = await server(() => redirectTo(`${other.url.replace('127.0.0.1', 'localhost')}/collect?api_key=secret-in-query`, status))
      const deps = fakeClock()
      const error = await failure(
        send({ method: 'POST', url: `${s.url}/api/v2/series`, headers: { 'DD-API-KEY': 'key-0123456789' }, body: '{}' }, options(deps))
      )
      expect(error).toBeInstanceOf(RefusedAnswerError)
      expect(error.message).toMatch(
        new RegExp(`^Test answered ${status} [A-Za-z ]+ from 127\\.0\\.0\\.1:\\d+, a redirect to localhost:\\d+\\. Redirects are not followed`)
      )
      expect(error.message).not.toContain('secret-in-query')
      expect(error.message).not.toContain('/collect')
      expect(s.requests).toHaveLength(1)
      expect(other.requests).toHaveLength(0)
      expect(deps.sleeps).toEqual([])
    })
  }

  test('a redirect without a Location still fails, and 304 is not a redirect', async () => {
    const s = await server(() => ({ status: 302, body: '' }))
    expect((await failure(send({ method: 'GET', url: s.url }, options(fakeClock())))).message).toContain('a redirect to nowhere (no Location header)')
    const t = await server(() => ({ status: 304 }))
    expect((await send({ method: 'GET', url: t.url }, options(fakeClock()))).status).toBe(304)
  })
})

describe('rate-limit resets out of range count as absent', () => {
  const now = 1_700_000_000_000
  const answer = (name: string, value: string) => ({ status: 429, headers: new Headers({ [name]: value }), body: '' })

  test('X and Bluesky epoch seconds, Mastodon ISO times and Datadog seconds-until', () => {
    const x = epochSecondsHeader('x-rate-limit-reset')
    expect(x(answer('x-rate-limit-reset', String(now / 1000 + 60)), now)).toBe(now + 60_000)
    for (const bad of ['1e13', '-5', 'NaN', 'Infinity', String(now / 1000 + 2 * 86_400), ''])
      expect([bad, x(answer('x-rate-limit-reset', bad), now)]).toEqual([bad, undefined])
    expect(mastodonResetAt(answer('x-ratelimit-reset', new Date(now + 60_000).toISOString()), now)).toBe(now + 60_000)
    for (const bad of ['+275760-09-13T00:00:00.001Z', '9999-01-01T00:00:00Z', 'tomorrow'])
      expect([bad, mastodonResetAt(answer('x-ratelimit-reset', bad), now)]).toEqual([bad, undefined])
    expect(datadogResetAt(answer('x-ratelimit-reset', '30'), now)).toBe(now + 30_000)
    for (const bad of ['1e13', '-1', '86401', 'soon']) expect([bad, datadogResetAt(answer('x-ratelimit-reset', bad), now)]).toEqual([bad, undefined])
  })

  test('a reset of 1e13 backs off like a 429 without a reset, instead of throwing "Invalid time value"', async () => {
    const s = await server(() => ({ status: 429, headers: { 'x-rate-limit-reset': '1e13' } }))
    const deps = fakeClock()
    const error = await failure(send({ method: 'GET', url: s.url }, options(deps, { rateLimitResetAt: () => 1e16 })))
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.message).toBe('Test kept answering 429 Too Many Requests after 4 attempts and did not say when the limit resets.')
    expect(s.requests).toHaveLength(4)
    expect(deps.sleeps.every((ms) => ms <= policy.maxDelayMs)).toBe(true)
  })
})

describe('one run deadline', () => {
  test('retries stop before the deadline, each one logged with attempt n of m and how long', async () => {
    const s = await server(() => ({ status: 503, body: 'busy' }))
    const deps = fakeClock()
    const events: RetryEvent[] = []
    const deadline = deps.now() + 1_000
    const error = await failure(
      send({ method: 'GET', url: s.url }, options(deps, { deadline, onRetry: (e) => events.push(e), policy: { ...policy, baseDelayMs: 400, maxRetries: 5 } }))
    )
    expect(error).toBeInstanceOf(DeadlineError)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toBe(`Test request to ${new URL(s.url).host} was given up at the run's deadline (run-timeout); the last attempt: answered 503.`)
    expect(deps.now()).toBeLessThanOrEqual(deadline)
    const host = new URL(s.url).host
    expect(events.map((e) => e.message)).toEqual([
      `Test: answered 503 from ${host}; retrying in 0.2 s (attempt 2 of 6).`,
      `Test: answered 503 from ${host}; retrying in 0.4 s (attempt 3 of 6).`
    ])
    expect(events[0]).toMatchObject({ service: 'Test', kind: 'retry', attempt: 2, of: 6, waitMs: 200 })
  })

  test('a rate-limit wait that would end past the deadline fails at once, saying so', async () => {
    const deps = fakeClock()
    const s = await server(() => ({ status: 429, headers: { 'x-rate-limit-reset': String(deps.now() / 1000 + 120) } }))
    const error = await failure(send({ method: 'GET', url: s.url }, options(deps, { deadline: deps.now() + 60_000 })))
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).limitedBy).toBe('run-timeout')
    expect(error.message).toMatch(/^Test rate limit is exhausted and resets at .* \(in 120 s\), after the run's deadline \(run-timeout ends in 60 s\)\.$/)
    expect(deps.sleeps).toEqual([])
  })

  test('a rate-limit wait inside the deadline is waited out and logged as one line', async () => {
    const deps = fakeClock()
    const s = await server(() => ({ status: 200, body: '{}' }))
    s.override = (_r, i) => (i === 0 ? { status: 429, headers: { 'x-rate-limit-reset': String(deps.now() / 1000 + 30) } } : undefined)
    const events: RetryEvent[] = []
    const response = await send({ method: 'GET', url: s.url }, options(deps, { deadline: deps.now() + 60_000, onRetry: (e) => events.push(e) }))
    expect(response.status).toBe(200)
    expect(events.map((e) => e.message)).toEqual([`Test: rate limited (429) by ${new URL(s.url).host}; waiting 30.5 s for the limit to reset (wait 1 of 3).`])
  })

  test("each request's timeout is cut to the time left: a hang ends at the deadline, not after request-timeout", async () => {
    const s = await server(() => neverAnswers())
    const deps = { ...realHttpDeps, sleep: async () => undefined }
    const started = Date.now()
    const error = await failure(send({ method: 'GET', url: s.url }, options(deps, { deadline: Date.now() + 400, policy: { ...policy, timeoutMs: 30_000 } })))
    expect(error).toBeInstanceOf(DeadlineError)
    expect(error.message).toContain('the last attempt: no answer within 0.4 s')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('a fetch that ignores its signal is still cut off at the timeout', async () => {
    const deps: HttpDeps = { ...realHttpDeps, fetch: () => new Promise(() => undefined) }
    const started = Date.now()
    const error = await failure(send({ method: 'GET', url: 'http://127.0.0.1:9/' }, options(deps, { policy: { ...policy, maxRetries: 0, timeoutMs: 200 } })))
    expect(error.message).toBe('Test request to 127.0.0.1:9 failed after 1 attempts: no answer within 0.2 s.')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('past the deadline, nothing is sent at all', async () => {
    const s = await server()
    const deps = fakeClock()
    const error = await failure(send({ method: 'GET', url: s.url }, options(deps, { deadline: deps.now() })))
    expect(error.message).toBe(`Test request to ${new URL(s.url).host} was given up at the run's deadline (run-timeout), before it was sent.`)
    expect(s.requests).toHaveLength(0)
  })
})

describe('signing per attempt', () => {
  test('the hook is called before every attempt, so a retry carries new headers', async () => {
    const s = await server(() => ({ status: 200, body: '{}' }))
    s.override = (_r, i) => (i === 0 ? { status: 503 } : undefined)
    let n = 0
    const response = await send(
      { method: 'GET', url: s.url, headers: { 'user-agent': 'twitter-stats' } },
      options(fakeClock(), { sign: () => ({ authorization: `signed ${++n}` }) })
    )
    expect(response.status).toBe(200)
    expect(s.requests.map((r) => [r.headers.authorization, r.headers['user-agent']])).toEqual([
      ['signed 1', 'twitter-stats'],
      ['signed 2', 'twitter-stats']
    ])
  })
})
