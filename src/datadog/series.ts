/**
 * Datadog delivery of series: one plain `POST /api/v2/series` per batch (gzip JSON, `DD-API-KEY`) through the shared
 * `send()`, like the v1 calls. Batches are split to Datadog's payload limits here, and each body is serialised and
 * compressed once, so the size we split on is the size we send. No vendor client at run time: its models check our
 * payloads in the tests instead (test/datadog/contract.test.ts).
 */
import { gzipSync } from 'node:zlib'
import { NetworkError, RateLimitError } from '../http/errors.js'
import { parseJson, send, type HttpDeps, type HttpResponse, type RunBounds } from '../http/send.js'
import { headerInteger, plausibleResetAt, type RetryPolicy } from '../http/retry.js'
import type { Series } from '../model.js'
import type { SeriesList } from '../series/metrics.js'
import { createMasker } from '../text/masker.js'
import { describeAcceptedWithErrors, describeRefusal, describeUnconfirmed } from './refusals.js'
import { messageOf } from '../text/errors.js'

export interface SplitLimits {
  /** The most compressed bytes one request may carry (inclusive). */
  maxCompressedBytes: number
  /** The most decompressed bytes one request may carry (inclusive). */
  maxRawBytes: number
}

/**
 * Datadog's limits for POST /api/v2/series, in its spec's words: "The maximum payload size is 500 kilobytes (512000
 * bytes). Compressed payloads must have a decompressed size of less than 5 megabytes (5242880 bytes)." So 512,000
 * compressed bytes may be sent, but the decompressed body must stay one byte under 5 MiB.
 */
export const DATADOG_LIMITS: SplitLimits = { maxCompressedBytes: 512_000, maxRawBytes: 5_242_880 - 1 }

export interface DeliveryReport {
  /** Series Datadog accepted (or, in a dry run, printed). */
  sent: number
  requests: number
  /** Compressed bytes of the requests Datadog accepted. */
  bytesSent: number
  /** Series not delivered because Datadog finally refused them; empty on success. */
  undelivered: Series[]
  error?: string
}

/** Everything that sends series goes through this: a real client and a dry-run one. */
export interface MetricsClient {
  /** Reads the series in order, one at a time (a run's are made from its samples as they are read). */
  submit(series: SeriesList): Promise<DeliveryReport>
}

/** What Datadog made of one request: decisions are taken on this type, never on the wording of a message. */
export type BatchOutcome =
  | { kind: 'accepted'; bytes: number }
  /** 2xx whose body lists errors: Datadog took the request but says something in it was wrong. */
  | { kind: 'accepted-with-errors'; status: number; body: string }
  /** 2xx whose body is not Datadog's acceptance (a proxy's or a captive portal's page, other JSON): nothing says Datadog has the series. */
  | { kind: 'unconfirmed'; status: number; json: boolean }
  | { kind: 'refused'; status: number; body: string }
  /** No answer: every attempt failed, or a rate limit outlasted the allowed wait; the message says which. */
  | { kind: 'unanswered'; message: string }

export function payloadOf(series: Series[]): string {
  return JSON.stringify({ series })
}

/** A batch: the series from `start` to `end` (exclusive), and its gzip body, made once and reused for every attempt. */
interface Batch {
  start: number
  end: number
  gzip?: Buffer
}

const ENVELOPE = payloadOf([]).length

/** A series that would exceed the limits even in a request of its own. */
export class SeriesTooLargeError extends Error {
  constructor(readonly metric: string) {
    super(`the series ${metric} alone exceeds Datadog's payload limits and cannot be sent.`)
    this.name = 'SeriesTooLargeError'
  }
}

/** zlib's worst case for gzip: a body this short can never compress to more than `maxCompressed`. */
function gzipCannotExceed(rawBytes: number, maxCompressed: number): boolean {
  return rawBytes + (rawBytes >> 12) + (rawBytes >> 14) + (rawBytes >> 25) + 13 + 18 <= maxCompressed
}

/**
 * A batch's raw body, written in place: each series' JSON is copied in as soon as it is made and then dropped, so
 * no run holds its series' JSON (8 MB for 10,000 accounts) nor a body as a string beside its bytes. One buffer
 * serves every batch of a call, the size of the largest body allowed (grown past 8 MiB only if the limits allow
 * more): only the pages written to take memory.
 */
class BodyWriter {
  private bytes: Buffer
  length = 0
  count = 0

  constructor(maxBytes: number) {
    this.bytes = Buffer.allocUnsafe(Math.min(maxBytes, 8 * 1024 * 1024))
  }

  start(): void {
    this.length = 0
    this.count = 0
    this.append('{"series":[', ENVELOPE - 2)
  }

  /** Adds one serialised series (`size` its UTF-8 bytes), with the comma before it. */
  add(json: string, size: number): void {
    if (this.count++ > 0) this.append(',', 1)
    this.append(json, size)
  }

  /** The body so far, closed: valid only until the next start(). */
  close(): Buffer {
    this.append(']}', 2)
    return this.bytes.subarray(0, this.length)
  }

  private append(text: string, size: number): void {
    if (this.length + size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + size, this.bytes.length * 2))
      this.bytes.copy(grown, 0, 0, this.length)
      this.bytes = grown
    }
    this.length += this.bytes.write(text, this.length, size, 'utf8')
  }
}

/**
 * Packs series in order into batches within the raw limit, and gzips each body once, in place (`compress`: false
 * when only the split is wanted and the compressed limit cannot bind). A batch that compresses too big is halved.
 */
function pack(series: SeriesList, limits: SplitLimits, compress = true): Batch[] {
  const fitted: Batch[] = []
  const place = (batch: Batch, raw: Buffer | string): void => {
    const rawBytes = Buffer.byteLength(raw)
    if (rawBytes <= limits.maxRawBytes) {
      if (!compress && gzipCannotExceed(rawBytes, limits.maxCompressedBytes)) return void fitted.push(batch)
      const gzip = gzipSync(raw)
      if (gzip.length <= limits.maxCompressedBytes) return void fitted.push({ ...batch, gzip })
    }
    // Too big even alone, or compressed beyond the limit: halved, each half serialised again (rare).
    if (batch.end - batch.start === 1) throw new SeriesTooLargeError(series.slice(batch.start, batch.end)[0]?.metric ?? '')
    for (const half of halves(batch)) place(half, payloadOf(series.slice(half.start, half.end)))
  }
  const body = new BodyWriter(limits.maxRawBytes)
  let first = 0
  let index = 0
  body.start()
  for (const item of series) {
    const json = JSON.stringify(item)
    const bytes = Buffer.byteLength(json)
    // Each series after the first adds a comma; the body ends with "]}".
    if (body.count > 0 && body.length + 1 + bytes + 2 > limits.maxRawBytes) {
      place({ start: first, end: index }, body.close())
      first = index
      body.start()
    }
    body.add(json, bytes)
    index++
  }
  if (body.count > 0) place({ start: first, end: index }, body.close())
  return fitted
}

function halves(batch: Batch): [Batch, Batch] {
  const half = batch.start + Math.ceil((batch.end - batch.start) / 2)
  return [
    { start: batch.start, end: half },
    { start: half, end: batch.end }
  ]
}

/**
 * Pure: splits series into batches whose JSON and gzip stay within the limits. Series are packed in order by
 * size, then any batch that compresses too big is halved until it fits. A series that cannot fit even alone
 * throws SeriesTooLargeError (it would never be accepted).
 */
export function splitSeries(series: Series[], limits: SplitLimits = DATADOG_LIMITS): Series[][] {
  return pack(series, limits, false).map((batch) => series.slice(batch.start, batch.end))
}

/** Datadog's x-ratelimit-reset is the number of seconds until the limit resets; one out of range counts as absent. */
export function datadogResetAt(response: HttpResponse, now: number): number | undefined {
  const seconds = headerInteger(response.headers.get('x-ratelimit-reset'))
  return seconds === undefined ? undefined : plausibleResetAt(now + seconds * 1000, now)
}

/**
 * Reads Datadog's answer to POST /api/v2/series. Its spec's acceptance (IntakePayloadAccepted) is a 202 with
 * `{"errors": []}`: only a 2xx whose `errors` is an empty array, and that does not say `"status": "error"`, is an
 * acceptance. A non-empty `errors` is not counted as accepted, since nothing says which series Datadog kept; any
 * other body (no `errors`, `errors` a string or an object, not JSON) is not Datadog's acceptance at all.
 */
export function readSeriesAnswer(response: HttpResponse, bytes: number): BatchOutcome {
  const { status, body } = response
  if (status < 200 || status > 299) return { kind: 'refused', status, body }
  const parsed = parseJson(body)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind: 'unconfirmed', status, json: parsed !== undefined }
  const { errors, status: said } = parsed as { errors?: unknown; status?: unknown }
  if (Array.isArray(errors) && errors.length > 0) return { kind: 'accepted-with-errors', status, body }
  if (!Array.isArray(errors) || (said !== undefined && said !== 'ok')) return { kind: 'unconfirmed', status, json: true }
  return { kind: 'accepted', bytes }
}

export interface DatadogClientOptions extends RunBounds {
  apiKey: string
  baseUrl: string
  site: string
  policy: RetryPolicy
  deps: HttpDeps
  limits?: SplitLimits
}

export function createDatadogClient(options: DatadogClientOptions): MetricsClient {
  const { apiKey, baseUrl, site, policy, deps } = options
  // Datadog's answer (or a proxy's) could echo the request's headers back.
  const mask = createMasker([apiKey])
  const headers = {
    'DD-API-KEY': apiKey,
    'Content-Type': 'application/json',
    'Content-Encoding': 'gzip',
    Accept: 'application/json',
    'User-Agent': 'twitter-stats'
  }

  async function post(batch: Batch, series: SeriesList): Promise<BatchOutcome> {
    const body = (batch.gzip ??= gzipSync(payloadOf(series.slice(batch.start, batch.end))))
    try {
      const response = await send(
        { method: 'POST', url: `${baseUrl}/api/v2/series`, headers, body },
        { policy, deps, deadline: options.deadline, onRetry: options.onRetry, service: 'Datadog', rateLimitResetAt: datadogResetAt }
      )
      return readSeriesAnswer(response, body.length)
    } catch (error) {
      if (error instanceof NetworkError || error instanceof RateLimitError) return { kind: 'unanswered', message: error.message }
      // Whatever else went wrong, the series are kept and the run says so.
      return { kind: 'unanswered', message: `Datadog delivery failed: ${messageOf(error)}` }
    }
  }

  /** The message for a batch that was not accepted, free of the API key. */
  function describe(outcome: Exclude<BatchOutcome, { kind: 'accepted' }>, count: number): string {
    switch (outcome.kind) {
      case 'refused':
        return mask(describeRefusal(outcome.status, mask(outcome.body), site))
      case 'accepted-with-errors':
        return mask(describeAcceptedWithErrors(outcome.status, mask(outcome.body), count))
      case 'unconfirmed':
        return mask(describeUnconfirmed(outcome.status, site, outcome.json))
      case 'unanswered':
        return mask(outcome.message)
    }
  }

  return {
    async submit(series) {
      const report: DeliveryReport = { sent: 0, requests: 0, bytesSent: 0, undelivered: [] }
      if (series.length === 0) return report
      let queue: Batch[]
      try {
        queue = pack(series, options.limits ?? DATADOG_LIMITS)
      } catch (error) {
        // A series too big to ever be accepted: report it with everything kept for the caller, not a crash.
        if (!(error instanceof SeriesTooLargeError)) throw error
        return { ...report, undelivered: series.slice(), error: `Datadog delivery failed: ${error.message}` }
      }
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        report.requests++
        const outcome = await post(batch, series)
        const count = batch.end - batch.start
        if (outcome.kind === 'accepted') {
          report.sent += count
          report.bytesSent += outcome.bytes
        } else if (outcome.kind === 'refused' && outcome.status === 413 && count > 1) {
          // Datadog's limit was stricter than ours: halve and try again; nothing is dropped.
          queue.unshift(...halves(batch))
        } else {
          // Stop at the first batch not accepted: everything from it on is kept to be re-sent.
          report.undelivered = series.slice(batch.start)
          report.error = describe(outcome, count)
          return report
        }
      }
      return report
    }
  }
}

/** Sends nothing; prints what would have been sent, so a dry run shows exactly the payload. */
export function createDryRunClient(print: (line: string) => void): MetricsClient {
  return {
    async submit(series) {
      for (const item of series) {
        print(`${item.metric} ${item.points[0]?.value} @${item.points[0]?.timestamp} [${item.tags.join(',')}]`)
      }
      return { sent: series.length, requests: 0, bytesSent: 0, undelivered: [] }
    }
  }
}
