/** What the transport throws when a request gets no usable answer, and how a failure is told without quoting it. */

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

export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10
}
