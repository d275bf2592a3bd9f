/**
 * Datadog delivery of series: POST /api/v2/series, split to Datadog's payload limits. The vendor client
 * (@datadog/datadog-api-client) stays in this file: it is imported narrowly (v2 MetricsApi only) and lazily.
 * Transport is ours: the shared retry policy, timeouts, and gzip done here so the size we split on is the size we send.
 */
import { gzipSync } from 'node:zlib'
import { NetworkError, RateLimitError, send, type HttpDeps, type HttpResponse, type RetryPolicy } from '../http.js'
import type { Series } from '../metrics.js'
import { oneLine } from '../foreign-text.js'
import { createMasker } from '../secrets.js'
import { describeRefusal } from './refusals.js'

/** Datadog's documented limits for POST /api/v2/series. */
export const DATADOG_LIMITS = { maxCompressedBytes: 512_000, maxRawBytes: 5_242_880 }

export interface DeliveryReport {
  /** Series Datadog accepted (or, in a dry run, printed). */
  sent: number
  requests: number
  bytesSent: number
  /** Series not delivered because Datadog finally refused them; empty on success. */
  undelivered: Series[]
  error?: string
}

/** Everything that sends series goes through this: a real client and a dry-run one. */
export interface MetricsClient {
  submit(series: Series[]): Promise<DeliveryReport>
}

export interface SplitLimits {
  maxCompressedBytes: number
  maxRawBytes: number
}

const ENVELOPE = '{"series":[]}'.length

export function payloadOf(series: Series[]): string {
  return JSON.stringify({ series })
}

/**
 * Pure: splits series into batches whose JSON stays under the raw limit and whose gzip stays under
 * the compressed limit. Series are packed in order by size, then any batch that compresses too big
 * is halved until it fits. A single series that cannot fit is an error (it would never be accepted).
 */
export function splitSeries(series: Series[], limits: SplitLimits = DATADOG_LIMITS): Series[][] {
  const batches: Series[][] = []
  let current: Series[] = []
  let size = ENVELOPE
  for (const item of series) {
    const itemSize = Buffer.byteLength(JSON.stringify(item)) + 1
    if (current.length > 0 && size + itemSize > limits.maxRawBytes) {
      batches.push(current)
      current = []
      size = ENVELOPE
    }
    current.push(item)
    size += itemSize
  }
  if (current.length > 0) batches.push(current)

  const fitted: Series[][] = []
  const fit = (batch: Series[]): void => {
    const payload = payloadOf(batch)
    if (Buffer.byteLength(payload) <= limits.maxRawBytes && gzipSync(payload).length <= limits.maxCompressedBytes) {
      fitted.push(batch)
    } else if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2)
      fit(batch.slice(0, half))
      fit(batch.slice(half))
    } else {
      throw new Error(`the series ${batch[0]!.metric} alone exceeds Datadog's payload limits and cannot be sent.`)
    }
  }
  batches.forEach(fit)
  return fitted
}

/** Datadog's x-ratelimit-reset is the number of seconds until the limit resets. */
export function datadogResetAt(response: HttpResponse, now: number): number | undefined {
  const seconds = Number(response.headers.get('x-ratelimit-reset'))
  return Number.isFinite(seconds) && seconds >= 0 && response.headers.has('x-ratelimit-reset') ? now + seconds * 1000 : undefined
}

export interface DatadogClientOptions {
  apiKey: string
  baseUrl: string
  site: string
  policy: RetryPolicy
  deps: HttpDeps
  limits?: SplitLimits
  /** Called for each request Datadog accepted. */
  onAccepted?: (seriesCount: number, bytes: number) => void
}

type Vendor = {
  MetricsApi: typeof import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js').MetricsApi
  createConfiguration: typeof import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration.js').createConfiguration
  BaseServerConfiguration: typeof import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/servers.js').BaseServerConfiguration
  ResponseContext: typeof import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/http/http.js').ResponseContext
  ApiException: typeof import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/exception.js').ApiException
}

let vendor: Promise<Vendor> | undefined

/** Loads the Datadog client once; callers may start this early so it overlaps with collection. */
export function loadDatadogClient(): Promise<Vendor> {
  vendor ??= Promise.all([
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-v2/apis/MetricsApi.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/servers.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/http/http.js'),
    import('@datadog/datadog-api-client/dist/packages/datadog-api-client-common/exception.js')
  ]).then(([metrics, configuration, servers, http, exception]) => ({
    MetricsApi: metrics.MetricsApi,
    createConfiguration: configuration.createConfiguration,
    BaseServerConfiguration: servers.BaseServerConfiguration,
    ResponseContext: http.ResponseContext,
    ApiException: exception.ApiException
  }))
  return vendor
}

/** A refusal that splitting can fix. */
class PayloadTooLarge extends Error {}

export function createDatadogClient(options: DatadogClientOptions): MetricsClient {
  const { apiKey, baseUrl, site, policy, deps } = options
  // Datadog's answer (or a proxy's) could echo the request's headers back.
  const mask = createMasker([apiKey])
  let bytesSent = 0
  // The last answer, for messages: the vendor wraps bodies it cannot parse in its own text, or fails on an HTML content type.
  let lastAnswer: HttpResponse | undefined

  return {
    async submit(series) {
      const report: DeliveryReport = { sent: 0, requests: 0, bytesSent: 0, undelivered: [] }
      if (series.length === 0) return report
      const v = await loadDatadogClient()
      const api = new v.MetricsApi(
        v.createConfiguration({
          authMethods: { apiKeyAuth: apiKey },
          baseServer: new v.BaseServerConfiguration(baseUrl, {}),
          httpApi: {
            async send(request) {
              const headers: Record<string, string> = { ...request.getHeaders(), 'user-agent': 'twitter-stats' }
              const raw = request.getBody()
              const body = typeof raw === 'string' && headers['Content-Encoding'] === 'gzip' ? gzipSync(raw) : (raw as string)
              report.requests++
              const response = await send(
                { method: 'POST', url: request.getUrl(), headers, body },
                { policy, deps, service: 'Datadog', rateLimitResetAt: datadogResetAt }
              )
              lastAnswer = response
              if (response.status === 202) bytesSent = Buffer.byteLength(body)
              return new v.ResponseContext(response.status, Object.fromEntries(response.headers.entries()), {
                text: async () => response.body,
                binary: async () => Buffer.from(response.body)
              })
            }
          }
        })
      )

      const submitBatch = async (batch: Series[]): Promise<void> => {
        try {
          bytesSent = 0
          lastAnswer = undefined
          await api.submitMetrics({ body: { series: batch }, contentEncoding: 'gzip' })
          report.sent += batch.length
          report.bytesSent += bytesSent
          options.onAccepted?.(batch.length, bytesSent)
        } catch (error) {
          if (lastAnswer?.status === 413 && batch.length > 1) throw new PayloadTooLarge()
          throw error
        }
      }

      let queue: Series[][]
      try {
        queue = splitSeries(series, options.limits)
      } catch (error) {
        // A series too big to ever be accepted: report it with the rest kept for the caller, not a crash.
        report.undelivered = series
        report.error = `Datadog delivery failed: ${error instanceof Error ? error.message : String(error)}`
        return report
      }
      while (queue.length > 0) {
        const batch = queue.shift()!
        try {
          await submitBatch(batch)
        } catch (error) {
          if (error instanceof PayloadTooLarge) {
            // Datadog's limit was stricter than ours: halve and try again; nothing is dropped.
            const half = Math.ceil(batch.length / 2)
            queue.unshift(batch.slice(0, half), batch.slice(half))
            continue
          }
          report.undelivered = [batch, ...queue].flat()
          const refusal = lastAnswer && (lastAnswer.status < 200 || lastAnswer.status > 299) ? lastAnswer : undefined
          if (error instanceof NetworkError || error instanceof RateLimitError) {
            report.error = error.message
          } else if (refusal) {
            report.error = describeRefusal(refusal.status, refusal.body, site, mask)
          } else {
            report.error = `Datadog delivery failed: ${error instanceof Error ? error.message : String(error)}`
          }
          report.error = oneLine(mask(report.error), 1_000)
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
