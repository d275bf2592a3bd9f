import { NetworkError, RateLimitError } from '../http/errors.js'
import { parseJson, send, type HttpResponse, type HttpDeps, type RunBounds } from '../http/send.js'
import { type RetryPolicy } from '../http/retry.js'
import { createMasker } from '../text/masker.js'
import { describeApiRefusal, type ApiCall } from './refusals.js'
import { datadogResetAt } from './series.js'

/**
 * The v1 endpoints behind the application key (metric metadata, dashboards). They go through the
 * shared `send()` (same retries, timeouts and rate-limit waits as series) with plain JSON, not the
 * vendor's v1 client: its model serializer would cost another second and ~100 MB per run for two
 * small, stable JSON shapes.
 */
export interface DatadogApiOptions extends RunBounds {
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
  // Datadog's answer (or a proxy's) could echo the request's keys back.
  const mask = createMasker([apiKey, appKey])

  /** Sends one JSON request; 404 comes back as undefined when `missingOk`, any other refusal throws. */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, what: ApiCall, body?: unknown, missingOk = false): Promise<unknown> {
    const headers: Record<string, string> = { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': appKey, accept: 'application/json', 'user-agent': 'twitter-stats' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: HttpResponse
    try {
      response = await send(
        { method, url: `${baseUrl}${path}`, headers, body: body === undefined ? undefined : JSON.stringify(body) },
        { policy, deps, deadline: options.deadline, onRetry: options.onRetry, service: 'Datadog', rateLimitResetAt: datadogResetAt }
      )
    } catch (error) {
      if (error instanceof NetworkError || error instanceof RateLimitError)
        throw new DatadogApiError(mask(`Could not ${what.action}: ${error.message}`), undefined)
      throw error
    }
    if (response.status === 404 && missingOk) return undefined
    if (response.status < 200 || response.status > 299)
      throw new DatadogApiError(mask(describeApiRefusal(response.status, response.body, site, what, mask)), response.status)
    const parsed = parseJson(response.body)
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      throw new DatadogApiError(
        `Datadog answered the request to ${what.action} with a body that is not JSON (status ${response.status}); try again later.`,
        response.status
      )
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
        const answer = (await call('GET', `/api/v1/dashboard?count=${LIST_PAGE}&start=${page * LIST_PAGE}`, readDashboards)) as {
          dashboards?: DashboardSummary[]
        }
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
      return (await call(
        'PUT',
        `/api/v1/dashboard/${encodeURIComponent(id)}`,
        { action: 'update the dashboard', permission: 'dashboards_write' },
        dashboard
      )) as DashboardBody
    }
  }
}
