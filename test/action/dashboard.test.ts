/** The action (its source, in-process) with an application key: self-monitoring, metadata, the dashboard, and refusals. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { dashboardDefinition } from '../../src/datadog/definitions.js'
import { DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn, type Permission } from '../support/datadog-api-stand-in.js'
import { runActionInProcess as runAction } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startXStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogApiStandIn

async function startDatadog(permissions?: Permission[]): Promise<void> {
  await dd?.close()
  dd = await startDatadogApiStandIn({ permissions })
}

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), gone: 'suspended' })
  await startDatadog()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    accounts: 'jack, nasa, gone',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url,
    'datadog-app-key': DD_APP_KEY,
    'datadog-dashboard': 'true',
    ...extra
  }
}

const collector = () =>
  dd.series.filter((s) => s.metric.startsWith('twitter.collector.')).map((s) => ({ metric: s.metric, tags: s.tags, value: s.points[0]!.value }))

describe('the action with datadog-app-key and datadog-dashboard', () => {
  test('sends self-monitoring series with the right tags, sets metadata, and a second run updates the one dashboard instead of duplicating it', async () => {
    const first = await runAction(inputs({ tags: 'team:social' }))
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`::add-mask::${DD_APP_KEY}`)
    expect(collector()).toEqual(
      expect.arrayContaining([
        { metric: 'twitter.collector.accounts_collected', tags: ['network:x', 'team:social'], value: 2 },
        { metric: 'twitter.collector.accounts_failed', tags: ['reason:suspended', 'network:x', 'team:social'], value: 1 },
        { metric: 'twitter.collector.accounts_failed', tags: ['reason:not_found', 'network:x', 'team:social'], value: 0 },
        { metric: 'twitter.collector.rate_limit_remaining', tags: ['network:x', 'team:social'], value: x.remaining }
      ])
    )
    const duration = collector().find((s) => s.metric === 'twitter.collector.run_duration')!
    expect(duration.tags).toEqual(['team:social'])
    expect(duration.value).toBeGreaterThanOrEqual(0)
    expect(duration.value).toBeLessThan(30)
    // Series first, then the v1 calls.
    expect(dd.requests[0]!.url).toBe('/api/v2/series')
    expect(dd.metadata.get('twitter.followers_count')).toMatchObject({ type: 'gauge', unit: 'user', short_name: 'Followers' })
    expect(dd.metadata.get('twitter.collector.run_duration')).toMatchObject({ unit: 'second' })
    expect(dd.dashboards.size).toBe(1)
    const [id] = [...dd.dashboards.keys()]
    expect(first.stdout).toContain(`Dashboard ${id} created: /dashboard/${id}/`)

    // Someone edited the dashboard in Datadog; the next run puts it back in place, and sets no metadata again.
    dd.dashboards.get(id!)!.widgets.pop()
    dd.requests.length = 0
    const second = await runAction(inputs({ tags: 'team:social' }))
    expect(second.code).toBe(0)
    expect(dd.dashboards.size).toBe(1)
    expect(second.stdout).toContain(`Dashboard ${id} updated`)
    expect(dd.dashboards.get(id!)!.widgets).toHaveLength(dashboardDefinition('twitter').widgets.length)
    expect(dd.requests.filter((r) => r.method === 'POST' && r.url === '/api/v1/dashboard')).toHaveLength(0)
    expect(dd.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/api/v1/metrics/'))).toHaveLength(0)
    expect(second.stdout).toMatch(/Metric metadata: 0 set, \d+ already right/)
  })

  test('a 403 on the dashboard leaves the series delivered and fails the step naming dashboards_write', async () => {
    await startDatadog(['dashboards_read', 'metrics_read', 'metrics_metadata_write'])
    const result = await runAction(inputs())
    expect(result.code).toBe(1)
    expect(dd.series.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(2)
    expect(result.outputs['undelivered-file']).toBeUndefined()
    expect(result.stdout).toMatch(/::error title=[^:]*::Datadog refused to create the dashboard \(403 Forbidden\).*`dashboards_write`/)
    expect(result.stdout.match(/Datadog refused to create the dashboard/g)).toHaveLength(1)
    expect(result.stdout).toContain('The metrics themselves were delivered.')
    expect(dd.dashboards.size).toBe(0)
    const logged = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(logged).not.toContain(DD_APP_KEY)
  })

  test('a 403 on metric metadata leaves the series delivered and fails the step naming metrics_metadata_write', async () => {
    await startDatadog(['dashboards_read', 'dashboards_write', 'metrics_read'])
    const result = await runAction(inputs({ 'datadog-dashboard': 'false' }))
    expect(result.code).toBe(1)
    expect(dd.series.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(2)
    expect(result.stdout).toMatch(/Datadog refused to edit metric metadata \(403 Forbidden\).*`metrics_metadata_write`/)
    expect(dd.requests.some((r) => r.url.startsWith('/api/v1/dashboard'))).toBe(false)
  })

  test('datadog-dashboard without an application key is refused before any request', async () => {
    const result = await runAction(inputs({ 'datadog-app-key': '' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('datadog-dashboard is true but datadog-app-key (DATADOG_APP_KEY) is missing')
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })
})
