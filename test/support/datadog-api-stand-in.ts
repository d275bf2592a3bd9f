/**
 * Datadog's v1 dashboards, metric-metadata and monitors (datadog-monitors-stand-in.ts) endpoints, on the same local server as the series
 * stand-in, answering as Datadog's API reference describes: DD-API-KEY and DD-APPLICATION-KEY
 * checked, 403 {"errors":["Forbidden"]} when the application key lacks the endpoint's permission.
 */
import { DD_KEY, startDatadogStandIn, type Answer, type DatadogStandIn, type RecordedRequest } from './stand-ins.js'
import { routeMonitors, type StoredMonitor } from './datadog-monitors-stand-in.js'

export const DD_APP_KEY = 'dd-application-key-for-tests-51c9'

export const ALL_PERMISSIONS = ['dashboards_read', 'dashboards_write', 'metrics_read', 'metrics_metadata_write', 'monitors_read', 'monitors_write'] as const
export type Permission = (typeof ALL_PERMISSIONS)[number]

/** Widget definition types the dashboards API accepts (v1 WidgetDefinition). */
export const WIDGET_TYPES = new Set([
  'alert_graph',
  'alert_value',
  'change',
  'check_status',
  'distribution',
  'event_stream',
  'event_timeline',
  'free_text',
  'funnel',
  'geomap',
  'group',
  'heatmap',
  'hostmap',
  'iframe',
  'image',
  'list_stream',
  'log_stream',
  'manage_status',
  'note',
  'powerpack',
  'query_table',
  'query_value',
  'run_workflow',
  'scatterplot',
  'servicemap',
  'slo',
  'slo_list',
  'split_group',
  'sunburst',
  'timeseries',
  'toplist',
  'topology_map',
  'trace_service',
  'treemap'
])

/** Units from Datadog's documented unit list (metrics/units). */
export const DATADOG_UNITS = new Set(
  (
    'bit byte kibibyte mebibyte gibibyte tebibyte pebibyte exbibyte nanosecond microsecond millisecond second minute hour day week ' +
    'percent_nano percent apdex fraction connection request packet segment response message payload timeout datagram route session hop ' +
    'process thread host node fault service instance cpu file inode sector block buffer error read write occurrence event time unit ' +
    'operation item task worker resource garbage_collection email sample stage monitor location check attempt device update method job ' +
    'container execution throttle invocation user success build prediction exception table index lock transaction query row key command ' +
    'offset record object cursor assertion scan document shard flush merge refresh fetch column commit wait ticket question hit miss ' +
    'eviction get set dollar cent microdollar euro pound pence yen page split hertz kilohertz megahertz gigahertz entry span run step'
  ).split(' ')
)

export interface StoredDashboard {
  id: string
  title: string
  description?: string
  layout_type: string
  widgets: { id: number; definition: Record<string, unknown> }[]
  [key: string]: unknown
}

export interface DatadogApiStandIn extends DatadogStandIn {
  dashboards: Map<string, StoredDashboard>
  /** Metadata per metric; a metric exists once series for it were accepted. */
  metadata: Map<string, Record<string, unknown>>
  monitors: Map<number, StoredMonitor>
  permissions: Set<Permission>
}

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) })
const forbidden = (): Answer => json(403, { errors: ['Forbidden'] })

/** Checks a dashboard body as the API does: required fields, known widget types, definitions with requests. */
function dashboardProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body.title !== 'string' || body.title === '') return 'Invalid dashboard: title is required'
  if (body.layout_type !== 'ordered' && body.layout_type !== 'free') return 'Invalid dashboard: layout_type must be one of ordered, free'
  if (!Array.isArray(body.widgets)) return 'Invalid dashboard: widgets is required'
  const check = (widgets: unknown[]): string | undefined => {
    for (const widget of widgets as { definition?: Record<string, unknown> }[]) {
      const type = widget.definition?.type
      if (typeof type !== 'string' || !WIDGET_TYPES.has(type)) return `Invalid widget definition: unknown type ${JSON.stringify(type)}`
      if (type === 'group') {
        const nested = check((widget.definition!.widgets as unknown[]) ?? [])
        if (nested) return nested
      } else if (type !== 'note' && !Array.isArray(widget.definition!.requests)) {
        return `Invalid widget definition: ${type} requires requests`
      }
    }
    return undefined
  }
  return check(body.widgets)
}

let nextId = 0
function dashboardId(): string {
  const n = (nextId++).toString(36).padStart(9, 'a')
  return `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6, 9)}`
}

function store(id: string, body: Record<string, unknown>, createdAt: string): StoredDashboard {
  let widgetId = 1000
  const withIds = (widgets: Record<string, unknown>[]): StoredDashboard['widgets'] =>
    widgets.map((w) => {
      const definition = { ...(w.definition as Record<string, unknown>) }
      if (Array.isArray(definition.widgets)) definition.widgets = withIds(definition.widgets as Record<string, unknown>[])
      return { ...w, id: widgetId++, definition }
    })
  const slug = String(body.title)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  return {
    ...(body as Omit<StoredDashboard, 'id' | 'widgets'>),
    title: String(body.title),
    layout_type: String(body.layout_type),
    id,
    widgets: withIds(body.widgets as Record<string, unknown>[]),
    url: `/dashboard/${id}/${slug}`,
    author_handle: 'stand-in@example.com',
    created_at: createdAt,
    modified_at: new Date().toISOString()
  }
}

export async function startDatadogApiStandIn(options: { apiKey?: string; appKey?: string; permissions?: Permission[] } = {}): Promise<DatadogApiStandIn> {
  const apiKey = options.apiKey ?? DD_KEY
  const appKey = options.appKey ?? DD_APP_KEY
  const dashboards = new Map<string, StoredDashboard>()
  const metadata = new Map<string, Record<string, unknown>>()
  const monitors = new Map<number, StoredMonitor>()
  const permissions = new Set<Permission>(options.permissions ?? ALL_PERMISSIONS)

  const route = (request: RecordedRequest): Answer | undefined => {
    const url = new URL(request.url, 'http://127.0.0.1')
    if (!url.pathname.startsWith('/api/v1/')) return undefined
    if (request.headers['dd-api-key'] !== apiKey || request.headers['dd-application-key'] !== appKey) return forbidden()
    const may = (permission: Permission): boolean => permissions.has(permission)
    let body: Record<string, unknown> = {}
    if (request.body) {
      try {
        body = JSON.parse(request.body) as Record<string, unknown>
      } catch {
        return json(400, { errors: ['Invalid JSON'] })
      }
    }

    const monitor = routeMonitors(request, url, body, may, monitors)
    if (monitor) return monitor

    const metric = /^\/api\/v1\/metrics\/([^/]+)$/.exec(url.pathname)
    if (metric) {
      const name = decodeURIComponent(metric[1]!)
      if (request.method === 'GET') {
        if (!may('metrics_read')) return forbidden()
        const found = metadata.get(name)
        return found ? json(200, found) : json(404, { errors: ['Not Found'] })
      }
      if (request.method === 'PUT') {
        if (!may('metrics_metadata_write')) return forbidden()
        const found = metadata.get(name)
        if (!found) return json(404, { errors: ['Not Found'] })
        if (body.unit !== undefined && !DATADOG_UNITS.has(body.unit as string)) return json(400, { errors: [`Invalid unit: ${JSON.stringify(body.unit)}`] })
        if (body.type !== undefined && !['gauge', 'rate', 'count', 'distribution'].includes(body.type as string))
          return json(400, { errors: ['Invalid metric type'] })
        Object.assign(found, body)
        return json(200, found)
      }
      return json(405, { errors: ['Method Not Allowed'] })
    }

    if (url.pathname === '/api/v1/dashboard') {
      if (request.method === 'GET') {
        if (!may('dashboards_read')) return forbidden()
        const count = Number(url.searchParams.get('count') ?? 100)
        const start = Number(url.searchParams.get('start') ?? 0)
        const page = [...dashboards.values()].slice(start, start + count)
        return json(200, {
          dashboards: page.map((d) => ({
            id: d.id,
            title: d.title,
            description: d.description ?? null,
            layout_type: d.layout_type,
            url: d.url,
            author_handle: d.author_handle,
            created_at: d.created_at,
            modified_at: d.modified_at,
            is_read_only: false
          }))
        })
      }
      if (request.method === 'POST') {
        if (!may('dashboards_write')) return forbidden()
        const problem = dashboardProblem(body)
        if (problem) return json(400, { errors: [problem] })
        const id = dashboardId()
        dashboards.set(id, store(id, body, new Date().toISOString()))
        return json(200, dashboards.get(id))
      }
      return json(405, { errors: ['Method Not Allowed'] })
    }

    const dashboard = /^\/api\/v1\/dashboard\/([^/]+)$/.exec(url.pathname)
    if (dashboard) {
      const id = decodeURIComponent(dashboard[1]!)
      const found = dashboards.get(id)
      if (request.method === 'GET') {
        if (!may('dashboards_read')) return forbidden()
        return found ? json(200, found) : json(404, { errors: [`Dashboard with ID ${id} not found`] })
      }
      if (request.method === 'PUT') {
        if (!may('dashboards_write')) return forbidden()
        if (!found) return json(404, { errors: [`Dashboard with ID ${id} not found`] })
        const problem = dashboardProblem(body)
        if (problem) return json(400, { errors: [problem] })
        dashboards.set(id, store(id, body, String(found.created_at)))
        return json(200, dashboards.get(id))
      }
      return json(405, { errors: ['Method Not Allowed'] })
    }
    return json(404, { errors: ['Not found'] })
  }

  const standIn = (await startDatadogStandIn(apiKey, route)) as DatadogApiStandIn
  // Datadog knows a metric (type gauge, no metadata yet) once series for it were accepted.
  const accepted = standIn.series.push.bind(standIn.series)
  standIn.series.push = (...items) => {
    for (const item of items) {
      if (!metadata.has(item.metric))
        metadata.set(item.metric, { description: null, short_name: null, integration: null, statsd_interval: null, per_unit: null, type: 'gauge', unit: null })
    }
    return accepted(...items)
  }
  standIn.dashboards = dashboards
  standIn.metadata = metadata
  standIn.monitors = monitors
  standIn.permissions = permissions
  return standIn
}
