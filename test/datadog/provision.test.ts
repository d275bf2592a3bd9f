/** Metric metadata and the dashboard, set through the shared transport against a local Datadog stand-in. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { dashboardDefinition, dashboardMarker } from '../../src/datadog/definitions.js'
import { provisionDatadog, syncDashboard, syncMetricMetadata } from '../../src/datadog/provision.js'
import { appLink } from '../../src/datadog/site.js'
import { createDatadogApi, type DatadogApi } from '../../src/datadog/v1-api.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { recordingLogger } from '../support/recording-logger.js'
import { DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn, type Permission } from '../support/datadog-api-stand-in.js'
import { DD_KEY } from '../support/stand-ins.js'

let dd: DatadogApiStandIn
const sleeps: number[] = []
const deps = { ...realHttpDeps, sleep: async (ms: number) => void sleeps.push(ms) }

function api(appKey = DD_APP_KEY): DatadogApi {
  return createDatadogApi({ apiKey: DD_KEY, appKey, baseUrl: dd.url, site: 'datadoghq.eu', policy: { ...DEFAULT_POLICY, timeoutMs: 2000 }, deps })
}

/** Makes Datadog know the metrics, as after a delivered run. */
function known(...metrics: string[]): void {
  dd.series.push(...metrics.map((metric) => ({ metric, type: 3, points: [{ timestamp: 1, value: 1 }], tags: [] })))
}

async function restart(permissions?: Permission[]): Promise<void> {
  await dd.close()
  dd = await startDatadogApiStandIn({ permissions })
}

beforeEach(async () => {
  sleeps.length = 0
  dd = await startDatadogApiStandIn()
})
afterEach(async () => {
  await dd.close()
})

const requests = () => dd.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)

describe('metric metadata', () => {
  test('is written only where it is missing or different, and left alone where it is right', async () => {
    known('twitter.followers_count', 'twitter.status_count', 'twitter.collector.run_duration')
    dd.metadata.get('twitter.status_count')!.unit = 'message'
    Object.assign(dd.metadata.get('twitter.collector.run_duration')!, {
      unit: 'second',
      short_name: 'Run duration',
      description: 'Seconds a twitter-stats run took to collect its accounts.'
    })

    const first = await syncMetricMetadata(api(), ['twitter.followers_count', 'twitter.status_count', 'twitter.collector.run_duration'], 'twitter', 2)
    expect(first.updated.sort()).toEqual(['twitter.followers_count', 'twitter.status_count'])
    expect(first.unchanged).toEqual(['twitter.collector.run_duration'])
    expect(dd.metadata.get('twitter.followers_count')).toMatchObject({ type: 'gauge', unit: 'user', short_name: 'Followers' })
    const put = dd.requests.find((r) => r.method === 'PUT')!
    expect(put.headers['dd-api-key']).toBe(DD_KEY)
    expect(put.headers['dd-application-key']).toBe(DD_APP_KEY)
    expect(Object.keys(JSON.parse(put.body) as object).sort()).toEqual(['description', 'short_name', 'type', 'unit'])

    dd.requests.length = 0
    const second = await syncMetricMetadata(api(), ['twitter.followers_count', 'twitter.status_count', 'twitter.collector.run_duration'], 'twitter', 2)
    expect(second.updated).toEqual([])
    expect(second.unchanged).toHaveLength(3)
    expect(requests().every((r) => r.startsWith('GET '))).toBe(true)
  })

  test('a metric Datadog does not know yet is left for a later run, not reported as a problem', async () => {
    const outcome = await syncMetricMetadata(api(), ['twitter.followers_count'], 'twitter', 1)
    expect(outcome).toEqual({ updated: [], unchanged: [], pending: ['twitter.followers_count'] })
  })

  test('names that are not twitter-stats metrics are not touched', async () => {
    known('something.else')
    await syncMetricMetadata(api(), ['something.else'], 'twitter', 1)
    expect(dd.requests).toHaveLength(0)
  })
})

describe('the dashboard', () => {
  test('is created once, found again by its marker and left alone when unchanged, updated in place when it differs', async () => {
    const created = await syncDashboard(api(), 'twitter')
    expect(created.action).toBe('created')
    expect(dd.dashboards.size).toBe(1)
    expect(dd.dashboards.get(created.id)!.description).toContain(dashboardMarker('twitter'))

    const again = await syncDashboard(api(), 'twitter')
    expect(again).toMatchObject({ id: created.id, action: 'unchanged' })

    // Someone edited it in Datadog (and renamed it): the next run puts it back, in place.
    const stored = dd.dashboards.get(created.id)!
    stored.title = 'renamed by hand'
    stored.widgets.pop()
    const updated = await syncDashboard(api(), 'twitter')
    expect(updated).toMatchObject({ id: created.id, action: 'updated' })
    expect(dd.dashboards.size).toBe(1)
    expect(dd.dashboards.get(created.id)!.title).toBe(dashboardDefinition('twitter').title)
    expect(dd.dashboards.get(created.id)!.widgets).toHaveLength(dashboardDefinition('twitter').widgets.length)
    expect(requests().filter((r) => r === 'POST /api/v1/dashboard')).toHaveLength(1)
    expect(requests().filter((r) => r.startsWith('PUT /api/v1/dashboard/'))).toHaveLength(1)
  })

  test('another metric prefix gets its own dashboard; other dashboards are never touched', async () => {
    const mine = await syncDashboard(api(), 'twitter')
    const other = await syncDashboard(api(), 'social')
    expect(other.action).toBe('created')
    expect(other.id).not.toBe(mine.id)
    expect((await syncDashboard(api(), 'twitter')).action).toBe('unchanged')
  })

  test('finds its dashboard beyond the first page of the list', async () => {
    for (let i = 0; i < 120; i++) dd.dashboards.set(`zzz-000-${i}`, { id: `zzz-000-${i}`, title: `other ${i}`, layout_type: 'ordered', widgets: [] })
    const created = await syncDashboard(api(), 'twitter')
    expect((await syncDashboard(api(), 'twitter')).id).toBe(created.id)
    expect(dd.requests.some((r) => r.url.includes('start=100'))).toBe(true)
  })
})

describe('refusals and faults', () => {
  test('403 on the dashboard names dashboards_write, and metadata still gets set', async () => {
    await restart(['dashboards_read', 'metrics_read', 'metrics_metadata_write'])
    known('twitter.followers_count')
    const logger = recordingLogger()
    const problems = await provisionDatadog(
      api(),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: ['twitter.followers_count'], dashboard: true, concurrency: 2 },
      logger
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('Datadog refused to create the dashboard (403 Forbidden)')
    expect(problems[0]).toContain('`dashboards_write`')
    expect(problems[0]).toContain('Datadog said: "Forbidden"')
    expect(problems[0]).toContain('The metrics themselves were delivered.')
    expect(dd.metadata.get('twitter.followers_count')!.unit).toBe('user')
    // The refusal is returned, not logged here: the pipeline logs each problem once, at the end of the run.
    expect(logger.lines.filter((l) => l.includes('dashboards_write'))).toEqual([])
  })

  test('403 on metric metadata names metrics_metadata_write once, and the dashboard is still made', async () => {
    await restart(['dashboards_read', 'dashboards_write', 'metrics_read'])
    known('twitter.followers_count', 'twitter.status_count', 'twitter.friends_count')
    const problems = await provisionDatadog(
      api(),
      {
        prefix: 'twitter',
        site: 'datadoghq.eu',
        metrics: ['twitter.followers_count', 'twitter.status_count', 'twitter.friends_count'],
        dashboard: true,
        concurrency: 1
      },
      recordingLogger()
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/refused to edit metric metadata \(403 Forbidden\).*`metrics_metadata_write`/)
    expect(requests().filter((r) => r.startsWith('PUT /api/v1/metrics/'))).toHaveLength(1)
    expect(dd.dashboards.size).toBe(1)
  })

  test('a wrong application key is refused with what to do, and the key never appears in the message', async () => {
    const problems = await provisionDatadog(
      api('wrong-app-key-9f8e'),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: true, concurrency: 1 },
      recordingLogger()
    )
    expect(problems[0]).toContain('(403 Forbidden)')
    expect(problems[0]).toContain('`dashboards_read`')
    expect(problems.join('\n')).not.toContain('wrong-app-key-9f8e')
    expect(problems.join('\n')).not.toContain(DD_KEY)
  })

  test('a 5xx is retried under the shared policy and then succeeds', async () => {
    dd.override = (request, index) =>
      index < 2 && request.url.startsWith('/api/v1/dashboard') ? { status: 503, body: '{"errors":["Service Unavailable"]}' } : undefined
    const created = await syncDashboard(api(), 'twitter')
    expect(created.action).toBe('created')
    expect(sleeps).toHaveLength(2)
    expect(dd.dashboards.size).toBe(1)
  })

  test('a 5xx that outlasts the retries is a problem naming the status, not a crash', async () => {
    dd.override = () => ({ status: 502, body: '<html>bad gateway</html>' })
    const problems = await provisionDatadog(api(), { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: true, concurrency: 1 }, recordingLogger())
    expect(problems[0]).toContain('Datadog answered 502 when asked to list dashboards, after all retries.')
    expect(dd.requests).toHaveLength(DEFAULT_POLICY.maxRetries + 1)
  })
})

describe('appLink', () => {
  test('points at the web app of the site: app.<site> for the main sites, <region>.<site> for regional ones', () => {
    expect(appLink('datadoghq.com', '/dashboard/abc-def-ghi/x')).toBe('https://app.datadoghq.com/dashboard/abc-def-ghi/x')
    expect(appLink('datadoghq.eu', '/dashboard/a')).toBe('https://app.datadoghq.eu/dashboard/a')
    expect(appLink('api.datadoghq.eu', '/dashboard/a')).toBe('https://app.datadoghq.eu/dashboard/a')
    expect(appLink('us5.datadoghq.com', '/dashboard/a')).toBe('https://us5.datadoghq.com/dashboard/a')
    expect(appLink('ddog-gov.com', '/dashboard/a')).toBe('https://app.ddog-gov.com/dashboard/a')
    expect(appLink('https://proxy.example.com', '/dashboard/a')).toBe('/dashboard/a')
  })
})
