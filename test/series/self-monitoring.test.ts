/** The collector's own series, built from plain data. */
import { describe, expect, test } from '@jest/globals'
import type { Account, Sample, Series, Failure } from '../../src/model.js'
import { runCollection } from '../../src/run/pipeline.js'
import { parseConfig } from '../../src/config/parse.js'
import { secretValues } from '../../src/config/settings.js'
import type { DatadogApi } from '../../src/datadog/v1-api.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { SeriesList } from '../../src/series/metrics.js'
import { selfMonitoringSeries, type RunOutcome } from '../../src/series/self-monitoring.js'
import type { Collection } from '../../src/sources/types.js'

const account = (key: string): Account => ({ network: 'x', handle: key, key })
const sample = (key: string): Sample => ({ account: account(key), timestamp: 1_700_000_000, metrics: { followers_count: 1 } })
const failure = (reason: Failure['reason'], ...keys: string[]): Failure => ({ network: 'x', reason, accounts: keys.map(account), message: `${reason}` })

function outcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    timestamp: 1_700_000_100,
    accounts: ['jack', 'nasa', 'gone', 'nobody'].map(account),
    samples: [sample('jack'), sample('nasa')],
    failures: [failure('suspended', 'gone'), failure('not_found', 'nobody')],
    durationSeconds: 1.23456,
    rateLimitRemaining: { x: 897 },
    ...overrides
  }
}

const values = (series: ReturnType<typeof selfMonitoringSeries>) => series.map((s) => [s.metric, s.tags.join(','), s.points[0]!.value])

describe('self-monitoring series', () => {
  test('collected, failed per reason and network, duration and rate limit, all at the run timestamp', () => {
    const series = selfMonitoringSeries(outcome(), 'twitter', ['team:social'])
    expect(values(series)).toEqual([
      ['twitter.collector.accounts_collected', 'network:x,team:social', 2],
      ['twitter.collector.accounts_failed', 'reason:not_found,network:x,team:social', 1],
      ['twitter.collector.accounts_failed', 'reason:suspended,network:x,team:social', 1],
      ['twitter.collector.accounts_failed', 'reason:rate_limited,network:x,team:social', 0],
      ['twitter.collector.accounts_failed', 'reason:error,network:x,team:social', 0],
      ['twitter.collector.run_duration', 'team:social', 1.235],
      ['twitter.collector.rate_limit_remaining', 'network:x,team:social', 897]
    ])
    expect(series.every((s) => s.type === 3 && s.points.length === 1 && s.points[0]!.timestamp === 1_700_000_100)).toBe(true)
  })

  test('when nothing failed, every reason still gets a zero so a "failed > 0" alert resolves', () => {
    const failed = selfMonitoringSeries(outcome({ failures: [] }), 'twitter', []).filter((s) => s.metric.endsWith('accounts_failed'))
    expect(failed).toHaveLength(4)
    expect(failed.every((s) => s.points[0]!.value === 0)).toBe(true)
    expect(failed.map((s) => s.tags[0])).toEqual(['reason:not_found', 'reason:suspended', 'reason:rate_limited', 'reason:error'])
  })

  test('failures of the same reason add up their accounts, a batch failure counting each of its accounts', () => {
    const series = selfMonitoringSeries(
      outcome({ samples: [], failures: [failure('rate_limited', 'a', 'b', 'c'), failure('rate_limited', 'd'), failure('error', 'e')] }),
      'p',
      []
    )
    expect(values(series).filter(([metric]) => metric === 'p.collector.accounts_failed')).toEqual([
      ['p.collector.accounts_failed', 'reason:not_found,network:x', 0],
      ['p.collector.accounts_failed', 'reason:suspended,network:x', 0],
      ['p.collector.accounts_failed', 'reason:rate_limited,network:x', 4],
      ['p.collector.accounts_failed', 'reason:error,network:x', 1]
    ])
    expect(values(series)[0]).toEqual(['p.collector.accounts_collected', 'network:x', 0])
  })

  test('rate_limit_remaining is omitted when the network did not report it, and 0 is kept as 0', () => {
    expect(selfMonitoringSeries(outcome({ rateLimitRemaining: {} }), 'twitter', []).some((s) => s.metric.endsWith('rate_limit_remaining'))).toBe(false)
    const zero = selfMonitoringSeries(outcome({ rateLimitRemaining: { x: 0 } }), 'twitter', []).find((s) => s.metric.endsWith('rate_limit_remaining'))
    expect(zero?.points[0]!.value).toBe(0)
  })

  test('respects the metric prefix', () => {
    expect(selfMonitoringSeries(outcome(), 'social.stats', []).every((s) => s.metric.startsWith('social.stats.collector.'))).toBe(true)
  })
})

describe('self-monitoring in the pipeline', () => {
  const quiet = { info() {}, warning() {}, error() {}, group: <T>(_name: string, task: () => Promise<T>) => task() }
  const source = (collection: Partial<Collection>) => ({
    network: 'x' as const,
    collect: async () => ({ samples: [], failures: [], warnings: [], ...collection })
  })
  const recording = (error?: string) => {
    const sent: Series[] = []
    return {
      sent,
      // A client reads the run's series as they come and hands back the undelivered ones as objects of their own.
      submit: async (list: SeriesList) => {
        const series = [...list]
        sent.push(...series)
        return { sent: series.length, requests: 1, bytesSent: 1, undelivered: error ? series : [], error }
      }
    }
  }
  const config = (extra: Record<string, string> = {}) => parseConfig({ accounts: 'jack, nasa, gone', xBearerToken: 't', datadogApiKey: 'k', ...extra })

  test('sends the collector series with the account series, the rate limit from the X source', async () => {
    const client = recording()
    const report = await runCollection(config(), {
      http: realHttpDeps,
      logger: quiet,
      client,
      sources: [source({ samples: [sample('jack'), sample('nasa')], failures: [failure('suspended', 'gone')], rateLimitRemaining: 42 })]
    })
    expect(report.ok).toBe(true)
    expect(client.sent.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(2)
    expect(client.sent.find((s) => s.metric === 'twitter.collector.rate_limit_remaining')).toMatchObject({ tags: ['network:x'], points: [{ value: 42 }] })
    expect(client.sent.find((s) => s.metric === 'twitter.collector.accounts_failed' && s.tags.includes('reason:suspended'))!.points[0]!.value).toBe(1)
  })

  test('when no account could be collected, the failures still reach Datadog', async () => {
    const client = recording()
    const report = await runCollection(config({ accounts: 'gone' }), {
      http: realHttpDeps,
      logger: quiet,
      client,
      sources: [source({ failures: [failure('suspended', 'gone')] })]
    })
    expect(report.ok).toBe(false)
    expect(client.sent.map((s) => s.metric)).toContain('twitter.collector.accounts_failed')
    expect(client.sent.find((s) => s.metric === 'twitter.collector.accounts_collected')!.points[0]!.value).toBe(0)
  })

  test('a dry run prints no collector series', async () => {
    const client = recording()
    await runCollection(config({ dryRun: 'true' }), { http: realHttpDeps, logger: quiet, client, sources: [source({ samples: [sample('jack')] })] })
    expect(client.sent.length).toBeGreaterThan(0)
    expect(client.sent.some((s) => s.metric.includes('.collector.'))).toBe(false)
  })

  test('metadata and the dashboard are not attempted when the series were not delivered', async () => {
    const calls: string[] = []
    const api = new Proxy(
      {},
      {
        get: (_t, name) => async () => {
          calls.push(String(name))
          // A created dashboard has an id; any other call finds nothing.
          return name === 'createDashboard' ? { id: 'abc-123' } : []
        }
      }
    ) as DatadogApi
    const report = await runCollection(config({ accounts: 'jack', datadogAppKey: 'a', datadogDashboard: 'true' }), {
      http: realHttpDeps,
      logger: quiet,
      client: recording('Datadog refused the API key (403)'),
      api,
      sources: [source({ samples: [sample('jack')] })]
    })
    expect(report.ok).toBe(false)
    expect(calls).toEqual([])
    const delivered = await runCollection(config({ accounts: 'jack', datadogAppKey: 'a', datadogDashboard: 'true' }), {
      http: realHttpDeps,
      logger: quiet,
      client: recording(),
      api,
      sources: [source({ samples: [sample('jack')] })]
    })
    expect(calls).toContain('listDashboards')
    expect(delivered.problems).toEqual([])
    expect(delivered.ok).toBe(true)
  })
})

describe('the settings', () => {
  test('datadog-dashboard needs datadog-app-key, except in a dry run; the app key is a secret', () => {
    const base = { accounts: 'jack', xBearerToken: 't', datadogApiKey: 'k' }
    expect(() => parseConfig({ ...base, datadogDashboard: 'true' })).toThrow(/datadog-dashboard is true but datadog-app-key \(DATADOG_APP_KEY\) is missing/)
    expect(parseConfig({ ...base, datadogDashboard: 'true', dryRun: 'true' }).datadogApp).toEqual({ appKey: undefined, dashboard: true })
    expect(parseConfig({ ...base, datadogAppKey: 'app' }).datadogApp).toEqual({ appKey: 'app', dashboard: false })
    expect(() => parseConfig({ ...base, datadogDashboard: 'sometimes' })).toThrow(/`datadog-dashboard` is "sometimes"; use true or false/)
    expect(secretValues({ ...base, datadogAppKey: 'app-secret' })).toContain('app-secret')
  })
})
