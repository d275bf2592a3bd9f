import { NetworkError, RateLimitError } from '../http/errors.js'
import { parseJson, send, type HttpResponse, type HttpDeps, type RunBounds } from '../http/send.js'
import { type RetryPolicy } from '../http/retry.js'
import { createMasker } from '../text/masker.js'
import { quoteValue } from '../text/foreign-text.js'
import { describeApiRefusal, type ApiCall } from './refusals.js'
import { datadogResetAt } from './series.js'
import type { MonitorBody } from './monitor-definitions.js'

/**
 * The v1 endpoints behind the application key (metric metadata, dashboards, monitors). They go through the
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

/** A v1 monitor as GET /api/v1/monitor returns it; only `id` is relied on, the rest is compared with what is wanted. */
export interface MonitorFound {
  id: number
  tags?: unknown
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
  /** Every monitor carrying `tag` (Datadog filters by `monitor_tags`), every page of them. */
  listMonitors(tag: string): Promise<MonitorFound[]>
  createMonitor(monitor: MonitorBody): Promise<MonitorFound>
  /** undefined when the monitor is gone (404: deleted since it was listed). */
  updateMonitor(id: number, monitor: MonitorBody): Promise<MonitorFound | undefined>
}

const LIST_PAGE = 100
const MAX_LIST_PAGES = 100

/** Every item of a paged list, by id: a short page is the last, and a page with nothing new means the server ignores paging. */
async function everyPage<T>(readPage: (page: number) => Promise<unknown[]>, idOf: (item: unknown) => string | number | undefined): Promise<T[]> {
  const seen = new Map<string | number, T>()
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const items = await readPage(page)
    const before = seen.size
    for (const item of items) {
      const id = idOf(item)
      if (id !== undefined) seen.set(id, item as T)
    }
    if (items.length < LIST_PAGE || seen.size === before) break
  }
  return [...seen.values()]
}

const idField = (item: unknown): unknown => (item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined)

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
  const readMonitors: ApiCall = { action: 'list monitors', permission: 'monitors_read' }

  return {
    async getMetricMetadata(metric) {
      return (await call('GET', metricPath(metric), readMetadata, undefined, true)) as MetricMetadata | undefined
    },
    async updateMetricMetadata(metric, metadata) {
      return (await call('PUT', metricPath(metric), writeMetadata, metadata, true)) !== undefined
    },
    async listDashboards() {
      return everyPage<DashboardSummary>(
        async (page) => {
          const answer = (await call('GET', `/api/v1/dashboard?count=${LIST_PAGE}&start=${page * LIST_PAGE}`, readDashboards)) as { dashboards?: unknown }
          return Array.isArray(answer.dashboards) ? (answer.dashboards as unknown[]) : []
        },
        (item) => {
          const id = idField(item)
          return typeof id === 'string' ? id : undefined
        }
      )
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
    },
    async listMonitors(tag) {
      const filter = encodeURIComponent(tag)
      return everyPage<MonitorFound>(
        async (page) => {
          const answer = await call('GET', `/api/v1/monitor?monitor_tags=${filter}&page=${page}&page_size=${LIST_PAGE}`, readMonitors)
          // The spec's answer is an array of monitors. Anything else is no listing: taken for "none", each run would add four.
          if (Array.isArray(answer)) return answer as unknown[]
          throw new DatadogApiError(
            `Datadog answered the request to list monitors with ${quoteValue(answer)}, not a list of monitors, so no monitor was created or changed (none is made twice). Check datadog-site and any proxy, or try again later.`,
            undefined
          )
        },
        (item) => {
          const id = idField(item)
          return Number.isSafeInteger(id) ? (id as number) : undefined
        }
      )
    },
    async createMonitor(monitor) {
      return (await call('POST', '/api/v1/monitor', { action: 'create a monitor', permission: 'monitors_write' }, monitor)) as MonitorFound
    },
    async updateMonitor(id, monitor) {
      return (await call('PUT', `/api/v1/monitor/${id}`, { action: 'update a monitor', permission: 'monitors_write' }, monitor, true)) as
        MonitorFound | undefined
    }
  }
}
