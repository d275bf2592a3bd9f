/** The dashboard, metadata and monitor definitions: valid for Datadog's API, and the committed copies in sync. */
// After changing a definition in src/datadog/definitions.ts, rewrite docs/ with: UPDATE_DASHBOARD_DOCS=1 npm test -- test/datadog/definitions.test.ts
import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { allMetricNames, dashboardDefinition, dashboardMarker, metricMetadata } from '../../src/datadog/definitions.js'
import { monitorDefinitions, prefixTagValue } from '../../src/datadog/monitor-definitions.js'
import { includes } from '../../src/datadog/includes.js'
import { widgetRows, widgetTable } from '../support/widget-table.js'
import { validateMetricPrefix } from '../../src/series/metrics.js'
import { DATADOG_UNITS, WIDGET_TYPES } from '../support/datadog-api-stand-in.js'
import { ROOT } from '../support/root.mjs'

/** Metric names in a Datadog metric query such as `top(avg:a.b{$x} by {y}, 5, 'last', 'desc')`. */
function metricsIn(query: string): string[] {
  return [...query.matchAll(/(?:avg|sum|min|max):([A-Za-z][A-Za-z0-9_.]*)\{/g)].map((m) => m[1]!)
}

const UPDATE = process.env.UPDATE_DASHBOARD_DOCS === '1'
const committed = (file: string, generated: unknown): unknown => {
  const path = join(ROOT, 'docs', file)
  const text = `${JSON.stringify(generated, null, 2)}\n`
  if (UPDATE) writeFileSync(path, text)
  expect(existsSync(path)).toBe(true)
  return JSON.parse(readFileSync(path, 'utf8'))
}

describe('the dashboard definition', () => {
  const dashboard = dashboardDefinition('twitter')

  // Checked against Datadog's own models in datadog-contract.test.ts.
  test('uses widget types the dashboards API knows: timeseries, toplist, change and query value', () => {
    const types = widgetRows(dashboard).map((row) => row.type)
    expect(types.every((type) => WIDGET_TYPES.has(type))).toBe(true)
    expect(new Set(types)).toEqual(new Set(['timeseries', 'toplist', 'change', 'query_value']))
  })

  test('has the promised widgets: followers over time, day/week/month change, top accounts, posts, collector health', () => {
    const rows = widgetRows(dashboard)
    const find = (title: RegExp) => rows.filter((row) => title.test(row.widget))
    expect(find(/Followers over time/)[0]!.query).toBe('avg:twitter.followers_count{$account,$network} by {account,network}')
    for (const period of ['day', 'week', 'month']) expect(find(new RegExp(`Followers: net change over the last ${period}`))[0]!.type).toBe('change')
    expect(find(/Top accounts by followers/)[0]!.type).toBe('toplist')
    expect(find(/Posts over time/)[0]!.query).toContain('twitter.status_count')
    const health = rows.filter((row) => row.widget.startsWith('Collector health'))
    expect(health.map((row) => metricsIn(row.query)).flat()).toEqual(
      expect.arrayContaining(['twitter.collector.accounts_failed', 'twitter.collector.run_duration', 'twitter.collector.accounts_collected'])
    )
    const changes = JSON.stringify(dashboard).match(/"compare_to":"(\w+)"/g)
    expect(changes).toEqual(expect.arrayContaining(['"compare_to":"day_before"', '"compare_to":"week_before"', '"compare_to":"month_before"']))
  })

  test('every query names a metric twitter-stats sends and uses only declared template variables', () => {
    const known = new Set(allMetricNames('twitter'))
    const declared = new Set((dashboard.template_variables as { name: string }[]).map((v) => `$${v.name}`))
    expect(declared).toEqual(new Set(['$account', '$network']))
    for (const row of widgetRows(dashboard)) {
      const names = metricsIn(row.query)
      expect([row.widget, names.length > 0]).toEqual([row.widget, true])
      for (const name of names) expect([row.widget, name, known.has(name)]).toEqual([row.widget, name, true])
      for (const variable of row.query.match(/\$\w+/g) ?? []) expect(declared.has(variable)).toBe(true)
    }
  })

  test('respects metric-prefix: another prefix changes every query, the title and the marker', () => {
    const other = dashboardDefinition('social.stats')
    const queries = widgetRows(other).map((row) => row.query)
    expect(queries.every((q) => metricsIn(q).every((name) => name.startsWith('social.stats.')))).toBe(true)
    expect(other.title).toContain('social.stats')
    expect(other.description).toContain(dashboardMarker('social.stats'))
    expect(other.description).not.toContain(dashboardMarker('twitter'))
  })
})

describe('the committed copies under docs/', () => {
  test('docs/dashboard.json is exactly what the code generates for the prefix "twitter"', () => {
    expect(committed('dashboard.json', dashboardDefinition('twitter'))).toEqual(dashboardDefinition('twitter'))
  })

  test('docs/monitors/*.json are exactly the recommended monitors for "twitter"', () => {
    for (const [name, monitor] of Object.entries(monitorDefinitions('twitter'))) {
      expect(committed(`monitors/${name}.json`, monitor)).toEqual(monitor)
    }
    const monitors = monitorDefinitions('twitter')
    const known = new Set(allMetricNames('twitter'))
    for (const monitor of Object.values(monitors)) {
      const names = metricsIn(String(monitor.query))
      expect(names.length).toBe(1)
      expect(known.has(names[0]!)).toBe(true)
    }
    expect(monitors['collection-stopped'].query).toBe('max(last_30m):sum:twitter.collector.accounts_collected{*} < 1')
    expect(monitors['collection-stopped'].options).toMatchObject({ notify_no_data: true, no_data_timeframe: 60 })
    expect(monitors['account-failing'].query).toBe('max(last_30m):sum:twitter.collector.accounts_failed{*} by {reason,network} > 0')
    expect(monitors['followers-lost'].query).toBe('pct_change(avg(last_1h),1d_ago):avg:twitter.followers_count{*} by {account,network} < -10')
    expect(monitors['followers-gained'].query).toBe('pct_change(avg(last_1h),1d_ago):avg:twitter.followers_count{*} by {account,network} > 10')
  })

  test('the follower-change monitors: one alert per account, the threshold in the query and in the options alike', () => {
    const monitors = monitorDefinitions('social.stats', { followersLostPercent: 25, followersGainedPercent: 25 })
    for (const [name, sign] of [
      ['followers-lost', -1],
      ['followers-gained', 1]
    ] as const) {
      const monitor = monitors[name]
      const threshold = Number(/ ([<>]) (-?[\d.]+)$/.exec(String(monitor.query))?.[2])
      expect(threshold).toBe(sign * 25)
      expect(monitor.options).toMatchObject({ thresholds: { critical: sign * 25 }, notify_no_data: false, include_tags: true })
      expect(String(monitor.query)).toMatch(/^pct_change\(avg\(last_1h\),1d_ago\):avg:social\.stats\.followers_count\{\*\} by \{account,network\} /)
      expect(String(monitor.name)).toContain('{{account.name}}')
      expect(String(monitor.message)).toContain(`${sign < 0 ? '-' : '+'}25%`)
    }
  })

  test("docs/dashboard-and-monitors.md's widget table is rendered from docs/dashboard.json", () => {
    const readme = readFileSync(join(ROOT, 'docs', 'dashboard-and-monitors.md'), 'utf8')
    const json = JSON.parse(readFileSync(join(ROOT, 'docs', 'dashboard.json'), 'utf8')) as { widgets: unknown[] }
    expect(readme).toContain(widgetTable(json))
    expect(widgetTable(json).split('\n')).toHaveLength(widgetRows(json).length + 2)
  })
})

describe('metric metadata', () => {
  test('every metric twitter-stats sends has a gauge type, a documented Datadog unit, a short name and a description', () => {
    for (const [name, metadata] of metricMetadata('twitter')) {
      expect([name, metadata.type]).toEqual([name, 'gauge'])
      expect([name, DATADOG_UNITS.has(metadata.unit!)]).toEqual([name, true])
      expect(metadata.short_name!.length).toBeGreaterThan(0)
      expect(metadata.description!.length).toBeGreaterThan(10)
    }
    expect(metricMetadata('twitter').get('twitter.collector.run_duration')!.unit).toBe('second')
  })

  test('every metric name stays within 200 characters at the longest prefix metric-prefix accepts', () => {
    const longest = 'a'.repeat(200)
    const limit = (() => {
      for (let n = 200; n > 0; n--) {
        try {
          return validateMetricPrefix(longest.slice(0, n)).length
        } catch {
          continue
        }
      }
      return 0
    })()
    expect(limit).toBeGreaterThan(100)
    expect(Math.max(...allMetricNames(longest.slice(0, limit)).map((name) => name.length))).toBeLessThanOrEqual(200)
    expect(Math.max(...allMetricNames(longest.slice(0, limit)).map((name) => name.length))).toBe(200)
  })
})

describe('the tag that finds the monitors of a prefix again', () => {
  test("stays within Datadog's 200 characters and apart for prefixes that differ only in case or past the cut", () => {
    const long = 'A'.repeat(120) + '.b'
    const tags = [long, long.toLowerCase(), `${long}c`, `${long}d`].map((prefix) => `twitter-stats-prefix:${prefixTagValue(prefix)}`)
    expect(tags.every((tag) => tag.length <= 200 && tag === tag.toLowerCase())).toBe(true)
    expect(new Set(tags).size).toBe(4)
    expect(prefixTagValue('social.stats')).toBe('social.stats')
  })
})

describe('includes (does the dashboard in Datadog already match?)', () => {
  test('ignores fields Datadog adds, but sees any changed or missing value and any different array length', () => {
    const desired = { title: 't', widgets: [{ definition: { type: 'note', content: 'x' } }] }
    expect(includes({ ...desired, id: 'abc', widgets: [{ id: 1, definition: { type: 'note', content: 'x', font: 'a' } }] }, desired)).toBe(true)
    expect(includes({ ...desired, title: 'other' }, desired)).toBe(false)
    expect(includes({ title: 't', widgets: [] }, desired)).toBe(false)
    expect(includes({ title: 't', widgets: [{ definition: { type: 'note' } }] }, desired)).toBe(false)
    expect(includes(undefined, desired)).toBe(false)
  })
})
