/**
 * The one HTTP mechanism every source and the Datadog sink share: a timeout on every request, a size cap
 * on every answer (decompression included), no redirects, bounded retries with exponential backoff and
 * full jitter for 5xx and network errors, rate limits waited out when the reset is within the allowed
 * wait, a run deadline that no request, retry or wait goes past, and a signing hook called per attempt.
 */
import { abortReason, rawFetch, type Fetch } from './raw-fetch.js'
import { DEFAULT_MAX_BODY_BYTES, readBody } from './bounded-body.js'
import { DeadlineError, NetworkError, RateLimitError, RefusedAnswerError, describeFailure, seconds } from './errors.js'
import { backoffDelay, isRetryableStatus, plausibleResetAt, type RetryEvent, type RetryPolicy } from './retry.js'

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

/** The host of a URL, for messages: never the path or query, which could carry credentials. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'the server'
  }
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

/** Parses a JSON body, or returns undefined when it is not JSON (an HTML error page, a cut-off body). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}
