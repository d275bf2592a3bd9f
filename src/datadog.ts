/**
 * Datadog delivery. The vendor client (@datadog/datadog-api-client) stays in this file: it is
 * imported narrowly (v2 MetricsApi only) and lazily, because loading its model serializer costs
 * about a second and 100 MB, and a run should not pay that before its first request to X.
 * Transport is ours: the shared retry policy, timeouts, and gzip done here so the size we split on
 * is the size we send.
 */
import { gzipSync } from 'node:zlib'
import { NetworkError, RateLimitError, parseJson, redact, send, type HttpDeps, type HttpResponse, type RetryPolicy } from './http.js'
import type { Series } from './metrics.js'

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
function datadogResetAt(response: HttpResponse, now: number): number | undefined {
  const seconds = Number(response.headers.get('x-ratelimit-reset'))
  return Number.isFinite(seconds) && seconds >= 0 && response.headers.has('x-ratelimit-reset') ? now + seconds * 1000 : undefined
}

/** The errors array of a Datadog error body, as text; nothing for a body that is not Datadog's JSON (an HTML page). */
function datadogErrors(body: unknown): string {
  let parsed = body
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body)
    } catch {
      return ''
    }
  }
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { errors?: unknown }).errors)) {
    return ((parsed as { errors: unknown[] }).errors).map(String).join('; ').slice(0, 300)
  }
  return ''
}

/** ` Datadog said: "…".` from an error body, or nothing: the one way every Datadog message quotes Datadog. */
function saidDetail(body: unknown): string {
  const said = datadogErrors(body)
  return said ? ` Datadog said: "${said}".` : ''
}

/** A message a user can act on for each refusal. */
export function describeRefusal(status: number, body: unknown, site: string): string {
  const detail = saidDetail(body)
  switch (status) {
    case 400:
      return `Datadog rejected the series as malformed (400 Bad Request).${detail} Check metric-prefix and tags; if they look right, report this as a bug.`
    case 401:
    case 403:
      return `Datadog refused the API key (${status}): it is not a valid API key for ${site}.${detail} Check datadog-api-key, and set datadog-site to the site your organisation uses (for example datadoghq.eu or us5.datadoghq.com).`
    case 413:
      return `Datadog refused a payload as too large (413) even after splitting it to a single series.${detail}`
    default:
      return `Datadog answered ${status} after all retries.${detail}`
  }
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
              const response = await send({ method: 'POST', url: request.getUrl(), headers, body }, { policy, deps, service: 'Datadog', rateLimitResetAt: datadogResetAt })
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
            report.error = describeRefusal(refusal.status, redact(refusal.body, [apiKey]), site)
          } else {
            report.error = `Datadog delivery failed: ${error instanceof Error ? error.message : String(error)}`
          }
          // Datadog's answer (or a proxy's) could echo the request's headers back.
          report.error = redact(report.error, [apiKey])
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

/**
 * The v1 endpoints behind the application key (metric metadata, dashboards). They go through the
 * shared `send()` (same retries, timeouts and rate-limit waits as series) with plain JSON, not the
 * vendor's v1 client: its model serializer would cost another second and ~100 MB per run for two
 * small, stable JSON shapes.
 */
export interface DatadogApiOptions {
  apiKey: string
  appKey: string
  baseUrl: string
  site: string
  policy: RetryPolicy
  deps: HttpDeps
}

/** A v1 call Datadog finally refused, or that never got an answer; the message says what to do. */
export class DatadogApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined
  ) {
    super(message)
    this.name = 'DatadogApiError'
  }
}

/** What each call is for and the permission it needs, for messages. */
export interface ApiCall {
  /** For example "update the dashboard". */
  action: string
  permission: string
}

export interface MetricMetadata {
  type?: string | null
  unit?: string | null
  short_name?: string | null
  description?: string | null
  per_unit?: string | null
}

export interface DashboardSummary {
  id: string
  title?: string
  description?: string | null
}

/** A v1 dashboard as sent and returned; only the fields twitter-stats reads are typed. */
export interface DashboardBody {
  id?: string
  title: string
  description?: string
  layout_type: string
  widgets: unknown[]
  [key: string]: unknown
}

/** A message a user can act on for a refused v1 call; 403 names the permission to grant. */
export function describeApiRefusal(status: number, body: unknown, site: string, call: ApiCall): string {
  const detail = saidDetail(body)
  switch (status) {
    case 401:
      return `Datadog refused to ${call.action} (401): the API key is not valid for ${site}.${detail} Check datadog-api-key and datadog-site.`
    case 403:
      return `Datadog refused to ${call.action} (403 Forbidden): the application key in datadog-app-key lacks the \`${call.permission}\` permission, or is not an application key of this organisation on ${site}.${detail} Give the key's user or service account a role with \`${call.permission}\`, or scope the key to include it.`
    case 400:
      return `Datadog rejected the request to ${call.action} as malformed (400).${detail} Please report this as a bug with the log.`
    default:
      return `Datadog answered ${status} when asked to ${call.action}, after all retries.${detail}`
  }
}

export interface DatadogApi {
  /** undefined when Datadog does not know the metric yet (404). */
  getMetricMetadata(metric: string): Promise<MetricMetadata | undefined>
  /** false when Datadog does not know the metric yet (404). */
  updateMetricMetadata(metric: string, metadata: MetricMetadata): Promise<boolean>
  listDashboards(): Promise<DashboardSummary[]>
  getDashboard(id: string): Promise<DashboardBody | undefined>
  createDashboard(dashboard: DashboardBody): Promise<DashboardBody>
  updateDashboard(id: string, dashboard: DashboardBody): Promise<DashboardBody>
}

const LIST_PAGE = 100
const MAX_LIST_PAGES = 100

export function createDatadogApi(options: DatadogApiOptions): DatadogApi {
  const { apiKey, appKey, baseUrl, site, policy, deps } = options

  /** Sends one JSON request; 404 comes back as undefined when `missingOk`, any other refusal throws. */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, what: ApiCall, body?: unknown, missingOk = false): Promise<unknown> {
    const headers: Record<string, string> = { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': appKey, accept: 'application/json', 'user-agent': 'twitter-stats' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: HttpResponse
    try {
      response = await send(
        { method, url: `${baseUrl}${path}`, headers, body: body === undefined ? undefined : JSON.stringify(body) },
        { policy, deps, service: 'Datadog', rateLimitResetAt: datadogResetAt }
      )
    } catch (error) {
      if (error instanceof NetworkError || error instanceof RateLimitError) throw new DatadogApiError(`Could not ${what.action}: ${error.message}`, undefined)
      throw error
    }
    if (response.status === 404 && missingOk) return undefined
    if (response.status < 200 || response.status > 299) throw new DatadogApiError(describeApiRefusal(response.status, response.body, site, what), response.status)
    const parsed = parseJson(response.body)
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      throw new DatadogApiError(`Datadog answered the request to ${what.action} with a body that is not JSON (status ${response.status}); try again later.`, response.status)
    }
    return parsed
  }

  const metricPath = (metric: string): string => `/api/v1/metrics/${encodeURIComponent(metric)}`
  const readMetadata: ApiCall = { action: 'read metric metadata', permission: 'metrics_read' }
  const writeMetadata: ApiCall = { action: 'edit metric metadata', permission: 'metrics_metadata_write' }
  const readDashboards: ApiCall = { action: 'list dashboards', permission: 'dashboards_read' }

  return {
    async getMetricMetadata(metric) {
      return (await call('GET', metricPath(metric), readMetadata, undefined, true)) as MetricMetadata | undefined
    },
    async updateMetricMetadata(metric, metadata) {
      return (await call('PUT', metricPath(metric), writeMetadata, metadata, true)) !== undefined
    },
    async listDashboards() {
      const seen = new Map<string, DashboardSummary>()
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const answer = (await call('GET', `/api/v1/dashboard?count=${LIST_PAGE}&start=${page * LIST_PAGE}`, readDashboards)) as { dashboards?: DashboardSummary[] }
        const dashboards = Array.isArray(answer.dashboards) ? answer.dashboards : []
        const before = seen.size
        for (const dashboard of dashboards) if (typeof dashboard?.id === 'string') seen.set(dashboard.id, dashboard)
        // A short page is the last; a page with nothing new means the server ignores paging.
        if (dashboards.length < LIST_PAGE || seen.size === before) break
      }
      return [...seen.values()]
    },
    async getDashboard(id) {
      return (await call('GET', `/api/v1/dashboard/${encodeURIComponent(id)}`, readDashboards, undefined, true)) as DashboardBody | undefined
    },
    async createDashboard(dashboard) {
      return (await call('POST', '/api/v1/dashboard', { action: 'create the dashboard', permission: 'dashboards_write' }, dashboard)) as DashboardBody
    },
    async updateDashboard(id, dashboard) {
      return (await call('PUT', `/api/v1/dashboard/${encodeURIComponent(id)}`, { action: 'update the dashboard', permission: 'dashboards_write' }, dashboard)) as DashboardBody
    }
  }
}
