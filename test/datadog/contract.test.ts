/**
 * The contract with Datadog, checked by Datadog's code: every body twitter-stats sends (series, metric metadata, the
 * dashboard, the monitors created and updated) and the monitors it publishes, read by the official client's models (its ObjectSerializer), which
 * know each endpoint's required fields, enum values and field names. The client is a devDependency for this alone.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { dashboardDefinition, metricMetadata } from '../../src/datadog/definitions.js'
import { monitorDefinitions } from '../../src/datadog/monitor-definitions.js'
import { payloadOf } from '../../src/datadog/series.js'
import { contractProblems } from '../support/datadog-contract.js'
import { DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn } from '../support/datadog-api-stand-in.js'
import { startBlueskyStandIn, startMastodonStandIn } from '../support/network-stand-ins.js'
import { ROOT, runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startXStandIn, type StandIn } from '../support/stand-ins.js'

const stopping: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(stopping.splice(0).map((s) => s.close()))
})
async function started<T extends { close(): Promise<void> }>(standIn: Promise<T>): Promise<T> {
  stopping.push(await standIn)
  return stopping.at(-1) as T
}

/** Which model a request to Datadog's API must match, by method and path; undefined for requests without a body. */
function modelOf(method: string, url: string): Parameters<typeof contractProblems>[1] | undefined {
  const path = new URL(url, 'http://127.0.0.1').pathname
  if (method === 'POST' && path === '/api/v2/series') return 'MetricPayload'
  if (method === 'PUT' && /^\/api\/v1\/metrics\/[^/]+$/.test(path)) return 'MetricMetadata'
  if ((method === 'POST' && path === '/api/v1/dashboard') || (method === 'PUT' && /^\/api\/v1\/dashboard\/[^/]+$/.test(path))) return 'Dashboard'
  if (method === 'POST' && path === '/api/v1/monitor') return 'Monitor'
  if (method === 'PUT' && /^\/api\/v1\/monitor\/\d+$/.test(path)) return 'MonitorUpdateRequest'
  return undefined
}

describe('every body the action sends to Datadog', () => {
  test('series for X, Bluesky and Mastodon accounts and the collector, metric metadata, the dashboard and the monitors created and updated', async () => {
    const x = await started(startXStandIn({ jack: metricsFor(1), nasa: { ...metricsFor(2), like_count: undefined, media_count: undefined } }))
    const bsky: StandIn = await started(
      startBlueskyStandIn([{ did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', handle: 'alice.bsky.social', followersCount: 7, followsCount: 8, postsCount: 9 }])
    )
    const masto = await started(startMastodonStandIn([{ username: 'anna', followers_count: 3, following_count: 4, statuses_count: 5 }]))
    const dd: DatadogApiStandIn = await started(startDatadogApiStandIn())
    const inputs = {
      accounts: 'jack, nasa, alice.bsky.social, anna@one.social, ghost',
      tags: 'team:social, env:prod',
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-app-key': DD_APP_KEY,
      'datadog-dashboard': 'true',
      'datadog-monitors': 'true',
      'datadog-monitor-notify': '@slack-social @ops@example.com',
      'datadog-site': dd.url,
      'x-api-url': x.url,
      'bluesky-api-url': bsky.url,
      'mastodon-api-url': masto.url
    }
    expect((await runActionInProcess(inputs)).code).toBe(0)
    // Someone edits the dashboard in Datadog: the next run puts it back with a PUT.
    const [stored] = [...dd.dashboards.values()]
    stored!.widgets = stored!.widgets.slice(1)
    // And the thresholds change: the two follower monitors are updated with a PUT.
    expect((await runActionInProcess({ ...inputs, 'followers-lost-alert-percent': '5', 'followers-gained-alert-percent': '2.5' })).code).toBe(0)

    const checked: Record<string, number> = {}
    for (const request of dd.requests) {
      const model = modelOf(request.method, request.url)
      if (!model) continue
      checked[model] = (checked[model] ?? 0) + 1
      expect([request.method, request.url, contractProblems(model === 'MetricPayload' ? 'v2' : 'v1', model as never, JSON.parse(request.body))]).toEqual([
        request.method,
        request.url,
        []
      ])
    }
    expect(checked).toEqual({ MetricPayload: 2, MetricMetadata: expect.any(Number), Dashboard: 2, Monitor: 4, MonitorUpdateRequest: 2 })
    expect(checked.MetricMetadata).toBeGreaterThanOrEqual(6)
    expect(dd.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/api/v1/dashboard/'))).toHaveLength(1)
  })

  test('the undelivered file a failed run saves is a valid POST /api/v2/series body', async () => {
    const x = await started(startXStandIn({ jack: metricsFor(1) }))
    const dd = await started(startDatadogApiStandIn())
    dd.override = () => ({ status: 400, body: JSON.stringify({ errors: ['Invalid'] }) })
    const result = await runActionInProcess({
      accounts: 'jack',
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-site': dd.url,
      'x-api-url': x.url
    })
    expect(result.code).toBe(1)
    expect(contractProblems('v2', 'MetricPayload', JSON.parse(result.undelivered!))).toEqual([])
  })
})

describe('the definitions and the committed copies under docs/', () => {
  test('the dashboard for any prefix, and docs/dashboard.json', () => {
    for (const prefix of ['twitter', 'social.stats']) expect(contractProblems('v1', 'Dashboard', dashboardDefinition(prefix))).toEqual([])
    expect(contractProblems('v1', 'Dashboard', JSON.parse(readFileSync(join(ROOT, 'docs', 'dashboard.json'), 'utf8')))).toEqual([])
  })

  test('every monitor, and every file under docs/monitors/', () => {
    const monitors = [
      ...Object.values(monitorDefinitions('social.stats')),
      ...Object.values(monitorDefinitions('twitter', { followersLostPercent: 2.5, followersGainedPercent: 2.5 }))
    ]
    expect(monitors).toHaveLength(8)
    for (const monitor of monitors) expect(contractProblems('v1', 'Monitor', monitor)).toEqual([])
    // As provisioned: the note that edits are replaced and the handles in the message; the same body updates one.
    for (const monitor of Object.values(monitorDefinitions('twitter', { notify: ['@slack-social', '@ops@example.com'], managed: true }))) {
      expect(contractProblems('v1', 'Monitor', monitor)).toEqual([])
      expect(contractProblems('v1', 'MonitorUpdateRequest', monitor)).toEqual([])
    }
    const files = readdirSync(join(ROOT, 'docs', 'monitors'))
    expect(files.sort()).toEqual(['account-failing.json', 'collection-stopped.json', 'followers-gained.json', 'followers-lost.json'])
    for (const file of files) {
      expect([file, contractProblems('v1', 'Monitor', JSON.parse(readFileSync(join(ROOT, 'docs', 'monitors', file), 'utf8')))]).toEqual([file, []])
    }
  })

  test('the metadata of every metric', () => {
    for (const [metric, metadata] of metricMetadata('twitter')) expect([metric, contractProblems('v1', 'MetricMetadata', metadata)]).toEqual([metric, []])
  })
})

describe('the check itself fails on broken bodies', () => {
  const series = { metric: 'twitter.followers_count', type: 3, points: [{ timestamp: 1_700_000_000, value: 1 }], tags: ['account:jack'] }

  test('series: a type name instead of its number, a missing field, an unknown field, a value of the wrong type', () => {
    expect(contractProblems('v2', 'MetricPayload', JSON.parse(payloadOf([series as never])))).toEqual([])
    expect(contractProblems('v2', 'MetricPayload', { series: [{ ...series, type: 'gauge' }] })).toEqual([
      'MetricPayload.series[0].type: "gauge" is not a value the model allows'
    ])
    expect(contractProblems('v2', 'MetricPayload', { series: [{ metric: 'a', type: 3 }] })).toEqual(["MetricPayload: missing required property 'points'"])
    expect(contractProblems('v2', 'MetricPayload', { series: [{ ...series, host_name: 'x' }] })).toEqual([
      'MetricPayload.series[0]: unknown field(s) host_name'
    ])
    expect(contractProblems('v2', 'MetricPayload', { series: [{ ...series, points: [{ timestamp: '1700000000', value: 1 }] }] })).not.toEqual([])
    expect(contractProblems('v2', 'MetricPayload', { metrics: [series] })).not.toEqual([])
  })

  test('dashboard: an unknown widget type, a missing layout_type, a misspelt request field, a wrong data source', () => {
    const dashboard = dashboardDefinition('twitter')
    const widget = (definition: Record<string, unknown>) => ({ ...dashboard, widgets: [{ definition }] })
    expect(contractProblems('v1', 'Dashboard', widget({ type: 'timeseriez', requests: [] }))).not.toEqual([])
    const noLayout: Record<string, unknown> = { ...dashboard }
    delete noLayout.layout_type
    expect(contractProblems('v1', 'Dashboard', noLayout)).toEqual(["Dashboard: missing required property 'layoutType'"])
    const query = { data_source: 'metrics', name: 'query1', query: 'avg:twitter.followers_count{*}' }
    expect(contractProblems('v1', 'Dashboard', widget({ type: 'timeseries', requests: [{ queries: [query], formulas: [{ formula: 'query1' }] }] }))).toEqual([])
    expect(contractProblems('v1', 'Dashboard', widget({ type: 'timeseries', requests: [{ queries: [query], formulae: [{ formula: 'query1' }] }] }))).toEqual([
      'Dashboard.widgets[0].definition.requests[0]: unknown field(s) formulae'
    ])
    expect(
      contractProblems(
        'v1',
        'Dashboard',
        widget({ type: 'timeseries', requests: [{ queries: [{ ...query, data_source: 'metric' }], formulas: [{ formula: 'query1' }] }] })
      )
    ).not.toEqual([])
  })

  test('monitor: an unknown monitor type, a number given as text, an unknown option', () => {
    const monitor = monitorDefinitions('twitter')['collection-stopped']
    const options = monitor.options
    expect(contractProblems('v1', 'Monitor', { ...monitor, type: 'metric_alert' })).not.toEqual([])
    expect(contractProblems('v1', 'Monitor', { ...monitor, options: { ...options, no_data_timeframe: '60' } })).not.toEqual([])
    expect(contractProblems('v1', 'Monitor', { ...monitor, options: { ...options, notify_nodata: true } })).toEqual([
      'Monitor.options: unknown field(s) notify_nodata'
    ])
    expect(contractProblems('v1', 'MonitorUpdateRequest', { ...monitor, options: { ...options, notify_nodata: true } })).toEqual([
      'MonitorUpdateRequest.options: unknown field(s) notify_nodata'
    ])
    expect(contractProblems('v1', 'MonitorUpdateRequest', { ...monitor, tags: 'app:twitter-stats' })).not.toEqual([])
  })

  test('metadata: a unit given as a number, an unknown field', () => {
    expect(contractProblems('v1', 'MetricMetadata', { type: 'gauge', unit: 7 })).not.toEqual([])
    expect(contractProblems('v1', 'MetricMetadata', { type: 'gauge', units: 'user' })).toEqual(['MetricMetadata: unknown field(s) units'])
  })
})

describe('the official client at run time', () => {
  test('is a devDependency only, and no source file imports it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: object; devDependencies: object }
    expect(Object.keys(pkg.dependencies)).not.toContain('@datadog/datadog-api-client')
    expect(Object.keys(pkg.devDependencies)).toContain('@datadog/datadog-api-client')
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []
      )
    const importing = sources(join(ROOT, 'src')).filter((file) => readFileSync(file, 'utf8').includes('@datadog/datadog-api-client'))
    expect(importing).toEqual([])
  })
})
