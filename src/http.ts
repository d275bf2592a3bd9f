/**
 * The one HTTP mechanism every source and the Datadog sink share: a timeout on every request,
 * bounded retries with exponential backoff and full jitter for 5xx and network errors, and
 * rate limits waited out when the reset is within the allowed wait.
 */

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

/** Time, randomness and the network come in as parameters so tests control them. */
export interface HttpDeps {
  fetch: typeof globalThis.fetch
  sleep: (ms: number) => Promise<void>
  random: () => number
  now: () => number
}

export const realHttpDeps: HttpDeps = {
  fetch: (input, init) => globalThis.fetch(input, init),
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

/** The rate limit resets later than the allowed wait. `resetAt` is in epoch milliseconds, if known. */
export class RateLimitError extends Error {
  constructor(
    message: string,
    readonly resetAt: number | undefined
  ) {
    super(message)
    this.name = 'RateLimitError'
  }
}

export interface SendOptions {
  policy: RetryPolicy
  deps: HttpDeps
  /** A name for messages, for example "X" or "Datadog". */
  service: string
  /** When a 429 says the limit resets, in epoch milliseconds; undefined when it does not say. */
  rateLimitResetAt: (response: HttpResponse, now: number) => number | undefined
  /** Called after each attempt that got an answer, for example to read rate-limit headers. */
  onResponse?: (response: HttpResponse) => void
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
    return `no answer within ${Math.round(timeoutMs / 100) / 10} s`
  }
  const code = errorCode(error)
  // Only the error code: messages from the HTTP stack may quote URLs or headers.
  return code ? `connection failed (${code})` : 'connection failed'
}

async function attempt(request: HttpRequest, policy: RetryPolicy, deps: HttpDeps): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(policy.timeoutMs)
  const response = await deps.fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal
  })
  const body = await response.text()
  return { status: response.status, headers: response.headers, body }
}

/**
 * Sends a request under the policy. Returns the final answer for any status that is not retried
 * (and the last answer when retries of a 5xx run out); throws NetworkError when no attempt got an
 * answer and RateLimitError when a 429 outlasts the allowed wait.
 */
export async function send(request: HttpRequest, options: SendOptions): Promise<HttpResponse> {
  const { policy, deps, service } = options
  let retries = 0
  let waits = 0
  for (;;) {
    let response: HttpResponse
    try {
      response = await attempt(request, policy, deps)
    } catch (error) {
      const reason = describeFailure(error, policy.timeoutMs)
      if (retries >= policy.maxRetries) {
        throw new NetworkError(`${service} request to ${hostOf(request.url)} failed after ${retries + 1} attempts: ${reason}.`)
      }
      await deps.sleep(backoffDelay(retries, policy, deps.random))
      retries++
      continue
    }
    options.onResponse?.(response)

    if (response.status === 429) {
      const now = deps.now()
      const resetAt = options.rateLimitResetAt(response, now)
      if (resetAt === undefined) {
        // No reset given: treat like a transient error and back off.
        if (retries >= policy.maxRetries) {
          throw new RateLimitError(
            `${service} kept answering 429 Too Many Requests after ${retries + 1} attempts and did not say when the limit resets.`,
            undefined
          )
        }
        await deps.sleep(backoffDelay(retries, policy, deps.random))
        retries++
        continue
      }
      const wait = Math.max(0, resetAt - now)
      if (wait > policy.maxRateLimitWaitMs) {
        throw new RateLimitError(
          `${service} rate limit is exhausted and resets at ${new Date(resetAt).toISOString()} (in ${Math.ceil(wait / 1000)} s), later than the allowed wait of ${Math.round(policy.maxRateLimitWaitMs / 1000)} s.`,
          resetAt
        )
      }
      if (waits >= policy.maxRateLimitWaits) {
        throw new RateLimitError(`${service} still answered 429 Too Many Requests after waiting for the rate limit to reset ${waits} times.`, resetAt)
      }
      // A little past the reset, spread out so concurrent waiters do not all return at once.
      await deps.sleep(wait + Math.round(deps.random() * 1000))
      waits++
      continue
    }

    if (isRetryableStatus(response.status) && retries < policy.maxRetries) {
      await deps.sleep(backoffDelay(retries, policy, deps.random))
      retries++
      continue
    }
    return response
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index]!, index)
    }
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
