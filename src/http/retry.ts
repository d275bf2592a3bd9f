/** The retry policy: which answers are retried, how long to back off, which rate-limit resets are believable. */

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

/** A rate-limit reset further ahead than this is nonsense (a reset of 1e13), read as if none was given. */
export const MAX_RESET_AHEAD_MS = 86_400_000

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

const RETRYABLE_STATUS = new Set([408, 500, 502, 503, 504])

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || (status >= 520 && status <= 599)
}

/** Full jitter: a random delay between 0 and the capped exponential bound. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return Math.round(random() * bound)
}

/** A reset time that is a number, not in the past by a sign error, and at most a day ahead; anything else counts as absent. */
export function plausibleResetAt(resetAt: number | undefined, now: number): number | undefined {
  if (resetAt === undefined || !Number.isFinite(resetAt) || resetAt < 0 || resetAt > now + MAX_RESET_AHEAD_MS) return undefined
  return resetAt
}

/**
 * A header that should hold a count or a number of seconds: only plain decimal digits that make a non-negative safe
 * integer. Empty, negative, fractional, hexadecimal, 1e3 or astronomically large reads as absent, never as 0.
 */
export function headerInteger(value: string | null | undefined): number | undefined {
  const text = value?.trim()
  if (!text || !/^[0-9]+$/.test(text)) return undefined
  const number = Number(text)
  return Number.isSafeInteger(number) ? number : undefined
}
