/** Cost you choose: which account metrics are sent, whether the collector's own series are, and the footprint of each run. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runCli } from '../../src/cli/main.js'
import { parseConfig } from '../../src/config/parse.js'
import { readSettingsFromEnv } from '../../src/config/settings.js'
import { ConfigError } from '../../src/text/errors.js'
import { footprintLine, measureFootprint } from '../../src/run/footprint.js'
import { METRIC_NAMES } from '../../src/model.js'
import { parseMetricNames } from '../../src/series/metrics.js'
import { parseAccounts } from '../../src/config/accounts.js'
import { runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

function refusal(text: string): string {
  try {
    parseMetricNames(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error(`expected ${text} to be refused`)
}

describe('the metrics setting', () => {
  test('all (the default) is every metric in the table; a list keeps the table order, any case, duplicates once', () => {
    expect(parseMetricNames('all')).toEqual([...METRIC_NAMES])
    expect(parseConfig(readSettingsFromEnv({ ACCOUNTS: 'alice.bsky.social', DRY_RUN: 'true' })).metrics).toEqual([...METRIC_NAMES])
    expect(parseMetricNames('status_count, FOLLOWERS_COUNT followers_count')).toEqual(['followers_count', 'status_count'])
  })

  test('an unknown name is a configuration error suggesting the nearest', () => {
    expect(refusal('followers')).toContain('`metrics` "followers" is not a metric. Did you mean "followers_count"?')
    expect(refusal('followers_count, likes_count')).toContain('Did you mean "listed_count"?')
    expect(refusal('twitter.friends_count')).toContain('Did you mean "friends_count"?')
    expect(refusal('all, followers_count')).toContain('"all" alone')
  })

  test('self-monitoring is a switch, true by default', () => {
    const base = { ACCOUNTS: 'alice.bsky.social', DRY_RUN: 'true' }
    expect(parseConfig(readSettingsFromEnv(base)).selfMonitoring).toBe(true)
    expect(parseConfig(readSettingsFromEnv({ ...base, SELF_MONITORING: 'false' })).selfMonitoring).toBe(false)
    expect(() => parseConfig(readSettingsFromEnv({ ...base, SELF_MONITORING: 'sometimes' }))).toThrow(/`self-monitoring` is "sometimes"/)
  })
})

describe('the footprint', () => {
  test('counts X users read and distinct series, split into the accounts and the collector', () => {
    const [jack, bsky] = parseAccounts('jack alice.bsky.social')
    const samples = [
      { account: jack!, timestamp: 1, metrics: { followers_count: 1 } },
      { account: bsky!, timestamp: 1, metrics: { followers_count: 2 } }
    ]
    const gauge = (metric: string, tags: string[]) => ({ metric, type: 3 as const, points: [{ timestamp: 1, value: 1 }], tags })
    const series = [
      gauge('p.followers_count', ['account:jack', 'network:x']),
      gauge('p.followers_count', ['network:x', 'account:jack']), // the same series twice is one custom metric
      gauge('p.followers_count', ['account:alice.bsky.social', 'network:bluesky']),
      gauge('p.collector.run_duration', [])
    ]
    const footprint = measureFootprint(samples, series, 'p', false)
    expect(footprint).toEqual({ xUsersRead: 1, xCostUsd: 0.01, xRateUsd: 0.01, series: 3, accountSeries: 2, collectorSeries: 1, dryRun: false })
    expect(footprintLine(footprint)).toBe(
      "Footprint: 1 X user(s) read: $0.01 a UTC day at X's $0.010 per user (X counts each user once a day, so more runs cost no more); 3 distinct series sent (Datadog custom metrics: 2 for the accounts, 1 about the collector)."
    )
    expect(footprintLine(measureFootprint([], [], 'p', true))).toContain('no X user read (no X cost); 0 distinct series would be sent')
  })

  test('a tag set seen again later, and more metric names than a run sends, are still counted once each', () => {
    const gauge = (metric: string, tags: string[]) => ({ metric, type: 3 as const, points: [{ timestamp: 1, value: 1 }], tags })
    const names = Array.from({ length: 40 }, (_, i) => `p.m${i}`)
    const once = [...names.map((m) => gauge(m, ['account:a', 'network:x'])), ...names.map((m) => gauge(m, ['account:b', 'network:x']))]
    const series = [...once, ...once.map((s) => gauge(s.metric, [...s.tags].reverse()))]
    expect(measureFootprint([], series, 'p', false)).toMatchObject({ series: 80, accountSeries: 80, collectorSeries: 0 })
  })
})

describe('through the action', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3) })
    dd = await startDatadogStandIn()
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
  })

  function inputs(extra: Record<string, string> = {}): Record<string, string> {
    return { accounts: 'jack, nasa, github', 'x-bearer-token': X_TOKEN, 'datadog-api-key': DD_KEY, 'datadog-site': dd.url, 'x-api-url': x.url, ...extra }
  }

  test('metrics: followers_count sends only twitter.followers_count for the accounts', async () => {
    const result = await runActionInProcess(inputs({ metrics: 'followers_count' }))
    expect(result.code).toBe(0)
    const accountMetrics = dd.series.filter((s) => s.tags.some((t) => t.startsWith('account:'))).map((s) => s.metric)
    expect(accountMetrics).toEqual(['twitter.followers_count', 'twitter.followers_count', 'twitter.followers_count'])
    expect(dd.series.some((s) => s.metric.startsWith('twitter.collector.'))).toBe(true)
    const records = JSON.parse(result.outputs.metrics!) as { metric: string }[]
    expect(new Set(records.map((r) => r.metric))).toEqual(new Set(['twitter.followers_count']))
    expect(result.stdout).toContain('10 distinct series sent (Datadog custom metrics: 3 for the accounts, 7 about the collector)')
  })

  test('self-monitoring: false sends no twitter.collector.* series', async () => {
    const result = await runActionInProcess(inputs({ 'self-monitoring': 'false' }))
    expect(result.code).toBe(0)
    expect(dd.series).toHaveLength(18)
    expect(dd.series.filter((s) => s.metric.startsWith('twitter.collector.'))).toEqual([])
  })

  test('the footprint line is in the log: 3 X users, 25 series (18 for the accounts, 7 about the collector)', async () => {
    const result = await runActionInProcess(inputs())
    expect(result.code).toBe(0)
    expect(dd.series).toHaveLength(25)
    expect(result.stdout).toContain(
      "Footprint: 3 X user(s) read: $0.03 a UTC day at X's $0.010 per user (X counts each user once a day, so more runs cost no more); 25 distinct series sent (Datadog custom metrics: 18 for the accounts, 7 about the collector)."
    )
  })

  test('an unknown metric name fails the step before any request', async () => {
    const result = await runActionInProcess(inputs({ metrics: 'followers_count, follows' }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('`metrics` "follows" is not a metric. Did you mean')
    expect(x.requests).toHaveLength(0)
  })

  test('the command line puts the footprint in --json', async () => {
    let stdout = ''
    const code = await runCli({
      argv: ['--json', '--metrics', 'followers_count friends_count', '--no-self-monitoring', 'jack', 'nasa'],
      env: { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url },
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true }
    })
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as { footprint: unknown }
    expect(report.footprint).toEqual({ xUsersRead: 2, xCostUsd: 0.02, xRateUsd: 0.01, series: 4, accountSeries: 4, collectorSeries: 0, dryRun: false })
    expect(dd.series).toHaveLength(4)
  })
})
