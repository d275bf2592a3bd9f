/**
 * Datadog's v1 monitors endpoints for the API stand-in, as the v1 spec describes them: GET /api/v1/monitor (an
 * array of monitors, filtered by `monitor_tags`, paged by `page` and `page_size` at most 1000) needs
 * monitors_read; POST /api/v1/monitor and PUT /api/v1/monitor/{monitor_id} need monitors_write and answer the
 * monitor as stored, with an integer id and the fields Datadog adds.
 */
import type { Answer, RecordedRequest } from './stand-ins.js'

export interface StoredMonitor {
  id: number
  name?: string
  type: string
  query: string
  message?: string
  tags: string[]
  options: Record<string, unknown>
  [key: string]: unknown
}

/** The v1 MonitorType values. */
const MONITOR_TYPES = new Set([
  'composite',
  'event alert',
  'log alert',
  'metric alert',
  'process alert',
  'query alert',
  'rum alert',
  'service check',
  'synthetics alert',
  'slo alert',
  'audit alert',
  'cost alert'
])

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) })

/** What Datadog refuses in a monitor: no type or query, a critical threshold that is not the query's own. */
function monitorProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body.type !== 'string' || !MONITOR_TYPES.has(body.type)) return `Invalid monitor type: ${JSON.stringify(body.type)}`
  if (typeof body.query !== 'string' || body.query === '') return "The value provided for parameter 'query' is invalid"
  if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))) return 'Invalid tags'
  const critical = (body.options as { thresholds?: { critical?: unknown } } | undefined)?.thresholds?.critical
  const inQuery = /[<>]=? (-?[\d.]+)$/.exec(body.query)?.[1]
  if (critical !== undefined && Number(inQuery) !== critical)
    return `Alert threshold (${JSON.stringify(critical)}) does not match that provided in the query (${inQuery})`
  return undefined
}

let nextMonitorId = 100_000

function stored(id: number, body: Record<string, unknown>, created: string): StoredMonitor {
  return {
    ...body,
    id,
    type: String(body.type),
    query: String(body.query),
    tags: (body.tags as string[] | undefined) ?? [],
    // Datadog answers with the options it applies, defaults included.
    options: { notify_audit: false, new_host_delay: 300, silenced: {}, ...(body.options as Record<string, unknown> | undefined) },
    created,
    modified: new Date().toISOString(),
    creator: { email: 'stand-in@example.com', handle: 'stand-in@example.com', name: 'Stand In' },
    deleted: null,
    multi: /\bby \{/.test(String(body.query)),
    overall_state: 'No Data',
    priority: null,
    restricted_roles: null
  }
}

/** Answers the monitors endpoints; undefined for any other path. */
export function routeMonitors(
  request: RecordedRequest,
  url: URL,
  body: Record<string, unknown>,
  may: (permission: 'monitors_read' | 'monitors_write') => boolean,
  monitors: Map<number, StoredMonitor>
): Answer | undefined {
  const forbidden = json(403, { errors: ['Forbidden'] })
  if (url.pathname === '/api/v1/monitor') {
    if (request.method === 'GET') {
      if (!may('monitors_read')) return forbidden
      const wanted = (url.searchParams.get('monitor_tags') ?? '').split(',').filter((t) => t.length > 0)
      let list = [...monitors.values()].filter((m) => wanted.every((tag) => m.tags.includes(tag)))
      const page = url.searchParams.get('page')
      if (page !== null) {
        const size = Number(url.searchParams.get('page_size') ?? 100)
        if (!Number.isInteger(Number(page)) || !Number.isInteger(size) || size < 1 || size > 1000) return json(400, { errors: ['Invalid page or page_size'] })
        list = list.slice(Number(page) * size, (Number(page) + 1) * size)
      }
      return json(200, list)
    }
    if (request.method === 'POST') {
      if (!may('monitors_write')) return forbidden
      const problem = monitorProblem(body)
      if (problem) return json(400, { errors: [problem] })
      const id = nextMonitorId++
      monitors.set(id, stored(id, body, new Date().toISOString()))
      return json(200, monitors.get(id))
    }
    return json(405, { errors: ['Method Not Allowed'] })
  }
  const one = /^\/api\/v1\/monitor\/(\d+)$/.exec(url.pathname)
  if (!one) return undefined
  const id = Number(one[1])
  const found = monitors.get(id)
  if (request.method === 'GET') {
    if (!may('monitors_read')) return forbidden
    return found ? json(200, found) : json(404, { errors: ['Monitor not found'] })
  }
  if (request.method === 'PUT') {
    if (!may('monitors_write')) return forbidden
    if (!found) return json(404, { errors: ['Monitor not found'] })
    const merged = { ...found, ...body, options: body.options ?? found.options }
    const problem = monitorProblem(merged)
    if (problem) return json(400, { errors: [problem] })
    monitors.set(id, stored(id, merged, String(found.created)))
    return json(200, monitors.get(id))
  }
  return json(405, { errors: ['Method Not Allowed'] })
}
