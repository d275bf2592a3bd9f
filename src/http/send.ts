/**
 * The one HTTP mechanism every source and the Datadog sink share: a timeout on every request, a size cap
 * on every answer (decompression included), no redirects, bounded retries with exponential backoff and
 * full jitter for 5xx and network errors, rate limits waited out when the reset is within the allowed
 * wait, a run deadline that no request, retry or wait goes past, and a signing hook called per attempt.
 */
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { abortReason, rawFetch, type Fetch } from './raw-fetch.js'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

export interface HttpResponse {
  status: number
  headers: Headers
  body: string
}

export interface RetryPolicy {
  /** Retries after the first attempt, for 5xx, timeouts and network errors. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
  /** Per attempt, covering the response body too. */
  timeoutMs: number
  /** The longest a single rate-limit wait may be; a later reset fails instead. */
  maxRateLimitWaitMs: number
  /** How many rate-limit waits one request may make before giving up. */
  maxRateLimitWaits: number
}

export const DEFAULT_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  timeoutMs: 30_000,
  maxRateLimitWaitMs: 900_000,
  maxRateLimitWaits: 3
}

/**
 * The largest answer read, after decompression: X, Bluesky, Mastodon and Datadog answer in kilobytes (a
 * 100-user X lookup is about 30 KB), and a few of these at once stay far below the Lambda's 256 MB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

/** A rate-limit reset further ahead than this is nonsense (a reset of 1e13), read as if none was given. */
export const MAX_RESET_AHEAD_MS = 86_400_000

/**
 * Time, randomness and the network come in as parameters so tests control them. `fetch` answers with the
 * body as it came off the wire: the built-in fetch would decompress it first, so give it only servers that
 * send no content-encoding, or use `realHttpDeps.fetch`.
 */
export interface HttpDeps {
  fetch: Fetch
  sleep: (ms: number) => Promise<void>
  random: () => number
  now: () => number
}

export const realHttpDeps: HttpDeps = {
  fetch: rawFetch,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now
}

/** A request that never got a usable answer: every attempt timed out or lost its connection. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NetworkError'
  }
}

/** An answer the transport will not read: a redirect, a body over the cap, an encoding it cannot decode. Never retried. */
export class RefusedAnswerError extends NetworkError {
  constructor(message: string) {
    super(message)
    this.name = 'RefusedAnswerError'
  }
}

/** The run's deadline (run-timeout) leaves no time for this request, its next attempt or its backoff. */
export class DeadlineError extends NetworkError {
  constructor(message: string) {
    super(message)
    this.name = 'DeadlineError'
  }
}

/** The rate limit resets later than the allowed wait. `resetAt` is in epoch milliseconds, if known. */
export class RateLimitError extends Error {
  constructor(
    message: string,
    readonly resetAt: number | undefined,
    /** What the reset was too late for: the longest allowed wait, or the run's deadline. */
    readonly limitedBy: 'rate-limit-max-wait' | 'run-timeout' = 'rate-limit-max-wait'
  ) {
    super(message)
    this.name = 'RateLimitError'
  }
}

/** One retry or rate-limit wait about to happen, for a log line. */
export interface RetryEvent {
  service: string
  host: string
  kind: 'retry' | 'rate-limit-wait'
  /** What happened: "answered 503", "no answer within 30 s", "rate limited (429)". */
  reason: string
  /** The attempt (or wait) this is, counting from 1, and how many are allowed. */
  attempt: number
  of: number
  waitMs: number
  /** The whole line: service, what happened, attempt n of m, how long. */
  message: string
}

/** What a whole run shares across its requests: when it must end, and who hears of each retry. */
export interface RunBounds {
  /** Epoch milliseconds (on `deps.now`) after which no request, retry or wait may run. */
  deadline?: number
  onRetry?: (event: RetryEvent) => void
}

export interface SendOptions extends RunBounds {
  policy: RetryPolicy
  deps: HttpDeps
  /** A name for messages, for example "X" or "Datadog". */
  service: string
  /** When a 429 says the limit resets, in epoch milliseconds; undefined when it does not say. */
  rateLimitResetAt: (response: HttpResponse, now: number) => number | undefined
  /** Called after each attempt that got an answer, for example to read rate-limit headers. */
  onResponse?: (response: HttpResponse) => void
  /** Headers for one attempt, called before every attempt: an OAuth 1.0a signature needs a fresh nonce and timestamp each time. */
  sign?: (request: HttpRequest) => Record<string, string>
  /** The largest answer read, after decompression; DEFAULT_MAX_BODY_BYTES when not given. */
  maxBodyBytes?: number
}

const RETRYABLE_STATUS = new Set([408, 500, 502, 503, 504])

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || (status >= 520 && status <= 599)
}

/** Full jitter: a random delay between 0 and the capped exponential bound. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return Math.round(random() * bound)
}

/** The host of a URL, for messages: never the path or query, which could carry credentials. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'the server'
  }
}

/**
 * The first error code on the cause chain: undici puts it on `cause` (UND_ERR_SOCKET), Node's
 * connect errors carry it themselves or on an AggregateError's `errors`. Duck-typed, because
 * errors made in another realm (a test VM, a bundler's copy) fail `instanceof Error`.
 */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown }
  // Only code-shaped strings: anything else could be text quoting a URL or header.
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code
  const nested: unknown[] = [cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])]
  for (const inner of nested) {
    const found = errorCode(inner, depth + 1)
    if (found) return found
  }
  return undefined
}

export function describeFailure(error: unknown, timeoutMs: number): string {
  const name = error && typeof error === 'object' ? (error as { name?: unknown }).name : undefined
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `no answer within ${seconds(timeoutMs)} s`
  }
  const code = errorCode(error)
  // Only the error code: messages from the HTTP stack may quote URLs or headers.
  return code ? `connection failed (${code})` : 'connection failed'
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}

/** A reset time that is a number, not in the past by a sign error, and at most a day ahead; anything else counts as absent. */
export function plausibleResetAt(resetAt: number | undefined, now: number): number | undefined {
  if (resetAt === undefined || !Number.isFinite(resetAt) || resetAt < 0 || resetAt > now + MAX_RESET_AHEAD_MS) return undefined
  return resetAt
}

const REDIRECT_NAMES: Record<number, string> = {
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect'
}

/** Only the host of a Location, resolved against the request: its path or query could carry anything. */
function redirectTarget(location: string | null, from: string): string {
  if (!location) return 'nowhere (no Location header)'
  try {
    return new URL(location, from).host || 'an address without a host'
  } catch {
    return 'an address that is not a URL'
  }
}

/** Counts bytes through it and fails once more than `limit` passed. */
function capped(limit: number, tooLarge: () => Error): Transform {
  let size = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      size += chunk.length
      if (size > limit) callback(tooLarge())
      else callback(null, chunk)
    }
  })
}

function decoderFor(coding: string): Transform | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip()
  if (coding === 'deflate') return createInflate()
  if (coding === 'br') return createBrotliDecompress()
  return undefined
}

/**
 * Reads a body under the cap: the bytes on the wire and, through our own streaming decoders, the bytes they
 * decode to. Stops reading (and drops the connection) the moment either passes the cap.
 */
async function readBody(
  answer: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
  describe: (what: string) => string
): Promise<string> {
  if (!answer.body) return ''
  const codings = (answer.headers.get('content-encoding') ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity')
  const decoders: Transform[] = []
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of codings.reverse()) {
    const decoder = decoderFor(coding)
    if (!decoder || decoders.length >= 2) {
      await answer.body.cancel().catch(() => undefined)
      throw new RefusedAnswerError(
        describe(`with a content-encoding that is not gzip, deflate or br (${JSON.stringify(coding.slice(0, 20))}), which was not read`)
      )
    }
    decoders.push(decoder)
  }
  const tooLarge = (): Error => new RefusedAnswerError(describe(`with a body larger than ${Math.round(limit / 1024)} KiB, which was not read`))
  const chunks: Buffer[] = []
  try {
    const source = Readable.fromWeb(answer.body)
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk)
        callback()
      }
    })
    await pipeline([source, capped(limit, tooLarge), ...decoders, capped(limit, tooLarge), sink])
  } catch (error) {
    if (error instanceof RefusedAnswerError) throw error
    const code = errorCode(error)
    if (decoders.length > 0 && code && /^(Z_|ERR__?ZLIB|ERR_BROTLI)/.test(code)) {
      throw new RefusedAnswerError(describe(`with a ${codings.join(', ')} body that does not decode (${code})`))
    }
    throw error
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Resolves or rejects with `task`, or rejects with the signal's reason as soon as it aborts, whichever comes first. */
function untilAborted<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function attempt(request: HttpRequest, headers: Record<string, string>, timeoutMs: number, options: SendOptions): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(timeoutMs)
  const host = hostOf(request.url)
  const describe = (what: string): string => `${options.service} answered from ${host} ${what}.`
  const exchange = async (): Promise<HttpResponse> => {
    const answer = await options.deps.fetch(request.url, {
      method: request.method,
      headers: { 'accept-encoding': 'gzip, deflate, br', ...headers },
      body: request.body,
      signal,
      redirect: 'manual'
    })
    const name = REDIRECT_NAMES[answer.status]
    if (name || (answer.status >= 300 && answer.status <= 399 && answer.status !== 304)) {
      await answer.body?.cancel().catch(() => undefined)
      const target = redirectTarget(answer.headers.get('location'), request.url)
      throw new RefusedAnswerError(
        `${options.service} answered ${answer.status}${name ? ` ${name}` : ''} from ${host}, a redirect to ${target}. Redirects are not followed, so no key travels to another host; if the service moved, point its URL setting at the new address.`
      )
    }
    const body = await readBody(answer, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, describe)
    return { status: answer.status, headers: answer.headers, body }
  }
  try {
    // Also bounds a `fetch` that ignores its signal: the run's deadline cannot depend on it.
    return await untilAborted(exchange(), signal)
  } catch (error) {
    if (signal.aborted && !(error instanceof RefusedAnswerError)) throw abortReason(signal)
    throw error
  }
}

/**
 * Sends a request under the policy and the run's deadline. Returns the final answer for any status that is
 * not retried (and the last answer when retries of a 5xx run out); throws NetworkError when no attempt got an
 * answer (RefusedAnswerError for a redirect or an oversized body, DeadlineError when the deadline cut it short)
 * and RateLimitError when a 429 outlasts the allowed wait or the deadline.
 */
export async function send(request: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const { policy, deps, service, deadline } = options
  const host = hostOf(request.url)
  const attempts = policy.maxRetries + 1
  let retries = 0
  let waits = 0
  let lastFailure: string | undefined

  const pastDeadline = (): DeadlineError =>
    new DeadlineError(
      `${service} request to ${host} was given up at the run's deadline (run-timeout)${lastFailure ? `; the last attempt: ${lastFailure}` : ', before it was sent'}.`
    )
  /** Waits before the next attempt, or fails when that wait would end past the deadline. */
  const backOff = async (reason: string): Promise<void> => {
    const waitMs = backoffDelay(retries, policy, deps.random)
    if (deadline !== undefined && deps.now() + waitMs >= deadline) throw pastDeadline()
    retries++
    const message = `${service}: ${reason} from ${host}; retrying in ${seconds(waitMs)} s (attempt ${retries + 1} of ${attempts}).`
    options.onRetry?.({ service, host, kind: 'retry', reason, attempt: retries + 1, of: attempts, waitMs, message })
    await deps.sleep(waitMs)
  }

  for (;;) {
    const remaining = deadline === undefined ? Infinity : deadline - deps.now()
    if (remaining <= 0) throw pastDeadline()
    const timeoutMs = Math.max(1, Math.min(policy.timeoutMs, remaining))
    let response: HttpResponse
    try {
      response = await attempt(request, { ...request.headers, ...options.sign?.(request) }, timeoutMs, options)
    } catch (error) {
      if (error instanceof RefusedAnswerError) throw error
      const reason = describeFailure(error, timeoutMs)
      lastFailure = reason
      if (deadline !== undefined && deps.now() >= deadline) throw pastDeadline()
      if (retries >= policy.maxRetries) {
        throw new NetworkError(`${service} request to ${host} failed after ${retries + 1} attempts: ${reason}.`)
      }
      await backOff(reason)
      continue
    }
    options.onResponse?.(response)

    if (response.status === 429) {
      const now = deps.now()
      const resetAt = plausibleResetAt(options.rateLimitResetAt(response, now), now)
      if (resetAt === undefined) {
        // No usable reset given: treat like a transient error and back off.
        lastFailure = 'answered 429 without saying when the limit resets'
        if (retries >= policy.maxRetries) {
          throw new RateLimitError(
            `${service} kept answering 429 Too Many Requests after ${retries + 1} attempts and did not say when the limit resets.`,
            undefined
          )
        }
        await backOff(lastFailure)
        continue
      }
      const wait = Math.max(0, resetAt - now)
      const resets = `resets at ${new Date(resetAt).toISOString()} (in ${Math.ceil(wait / 1000)} s)`
      if (wait > policy.maxRateLimitWaitMs) {
        throw new RateLimitError(
          `${service} rate limit is exhausted and ${resets}, later than the allowed wait of ${Math.round(policy.maxRateLimitWaitMs / 1000)} s.`,
          resetAt
        )
      }
      if (waits >= policy.maxRateLimitWaits) {
        throw new RateLimitError(`${service} still answered 429 Too Many Requests after waiting for the rate limit to reset ${waits} times.`, resetAt)
      }
      // A little past the reset, spread out so concurrent waiters do not all return at once.
      const waitMs = wait + Math.round(deps.random() * 1000)
      if (deadline !== undefined && now + waitMs >= deadline) {
        throw new RateLimitError(
          `${service} rate limit is exhausted and ${resets}, after the run's deadline (run-timeout ends in ${Math.max(0, Math.floor((deadline - now) / 1000))} s).`,
          resetAt,
          'run-timeout'
        )
      }
      waits++
      const reason = 'rate limited (429)'
      options.onRetry?.({
        service,
        host,
        kind: 'rate-limit-wait',
        reason,
        attempt: waits,
        of: policy.maxRateLimitWaits,
        waitMs,
        message: `${service}: ${reason} by ${host}; waiting ${seconds(waitMs)} s for the limit to reset (wait ${waits} of ${policy.maxRateLimitWaits}).`
      })
      await deps.sleep(waitMs)
      continue
    }

    if (isRetryableStatus(response.status) && retries < policy.maxRetries) {
      lastFailure = `answered ${response.status}`
      await backOff(lastFailure)
      continue
    }
    return response
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  // One iterator shared by every worker: each takes the next item when it is free.
  const queue = items.entries()
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (const [index, item] of queue) results[index] = await task(item, index)
  })
  await Promise.all(workers)
  return results
}

/** Parses a JSON body, or returns undefined when it is not JSON (an HTML error page, a cut-off body). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}
