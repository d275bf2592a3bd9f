/**
 * What twitter-stats sets up in Datadog with an application key, as pure functions of the metric prefix:
 * metric metadata (units, short names, descriptions) and the dashboard; the monitors are in monitor-definitions.ts.
 */
import type { DashboardBody, MetricMetadata } from './v1-api.js'
import { METRIC_NAMES, type MetricName } from '../model.js'
import { collectorMetricName, COLLECTOR_METRICS, type CollectorMetric } from '../series/self-monitoring.js'

type Described = Required<Pick<MetricMetadata, 'unit' | 'short_name' | 'description'>>

/** Units are from Datadog's documented unit list (there is no "follower" or "post" unit). */
const ACCOUNT_METADATA: Record<MetricName, Described> = {
  followers_count: { unit: 'user', short_name: 'Followers', description: 'Accounts following this account, per account and network (twitter-stats).' },
  friends_count: { unit: 'user', short_name: 'Following', description: 'Accounts this account follows, per account and network (twitter-stats).' },
  status_count: {
    unit: 'message',
    short_name: 'Posts',
    description: 'Posts published by this account, replies and reposts included, per account and network (twitter-stats).'
  },
  listed_count: { unit: 'item', short_name: 'Lists', description: 'Public lists that include this account (twitter-stats).' },
  favourites_count: { unit: 'item', short_name: 'Likes', description: 'Posts this account has liked, where the network reports it (twitter-stats).' },
  media_count: {
    unit: 'item',
    short_name: 'Media posts',
    description: 'Posts with media (images, videos) by this account, where the network reports it (twitter-stats).'
  }
}

const COLLECTOR_METADATA: Record<CollectorMetric, Described> = {
  accounts_collected: {
    unit: 'user',
    short_name: 'Accounts collected',
    description: 'Accounts whose metrics a twitter-stats run collected, per network. No data means collection stopped.'
  },
  accounts_failed: {
    unit: 'user',
    short_name: 'Accounts failed',
    description: 'Accounts a twitter-stats run could not collect, per reason (not_found, suspended, rate_limited, error) and network; 0 when none failed.'
  },
  run_duration: { unit: 'second', short_name: 'Run duration', description: 'Seconds a twitter-stats run took to collect its accounts.' },
  rate_limit_remaining: {
    unit: 'request',
    short_name: 'Rate limit remaining',
    description: "Lowest remaining requests in X's rate-limit window for user lookups (GET /2/users/by) seen during a twitter-stats run."
  }
}

/** The metadata each metric should have, by full metric name. */
export function metricMetadata(prefix: string): Map<string, MetricMetadata> {
  const table = new Map<string, MetricMetadata>()
  for (const name of METRIC_NAMES) table.set(`${prefix}.${name}`, { type: 'gauge', ...ACCOUNT_METADATA[name] })
  for (const name of COLLECTOR_METRICS) table.set(collectorMetricName(prefix, name), { type: 'gauge', ...COLLECTOR_METADATA[name] })
  return table
}

/** Every metric name twitter-stats sends under a prefix. */
export function allMetricNames(prefix: string): string[] {
  return [...metricMetadata(prefix).keys()]
}

/** Found again on later runs by this marker in the description (or, failing that, the title). */
export function dashboardMarker(prefix: string): string {
  return `[twitter-stats:${prefix}]`
}

export function dashboardTitle(prefix: string): string {
  return `twitter-stats: social accounts (${prefix})`
}

type Widget = { definition: Record<string, unknown> }

const FILTER = '{$account,$network}'

/**
 * Every widget asks with `queries` and `formulas` (Datadog's v1 spec marks the request's `q` deprecated). One metric
 * query each, named query1; scalar widgets (change, toplist, query value) reduce it to its last value.
 */
function metricQuery(query: string, aggregator?: 'last'): Record<string, unknown> {
  return { data_source: 'metrics', name: 'query1', query, ...(aggregator ? { aggregator } : {}) }
}

function timeseries(title: string, query: string, displayType: 'line' | 'bars' = 'line'): Widget {
  return {
    definition: {
      type: 'timeseries',
      title,
      show_legend: true,
      requests: [{ response_format: 'timeseries', queries: [metricQuery(query)], formulas: [{ formula: 'query1' }], display_type: displayType }]
    }
  }
}

/** Now against the same query shifted back by `compareTo`, as Datadog's own change widgets write it. */
function change(title: string, query: string, compareTo: 'day_before' | 'week_before' | 'month_before'): Widget {
  return {
    definition: {
      type: 'change',
      title,
      requests: [
        {
          response_format: 'scalar',
          queries: [metricQuery(query, 'last')],
          formulas: [{ formula: `${compareTo}(query1)` }, { formula: 'query1' }],
          compare_to: compareTo,
          change_type: 'absolute',
          order_by: 'change',
          order_dir: 'desc',
          increase_good: true,
          show_present: true
        }
      ]
    }
  }
}

function toplist(title: string, query: string, count: number): Widget {
  return {
    definition: {
      type: 'toplist',
      title,
      requests: [{ response_format: 'scalar', queries: [metricQuery(query, 'last')], formulas: [{ formula: 'query1', limit: { count, order: 'desc' } }] }]
    }
  }
}

function queryValue(title: string, query: string, badWhenAboveZero = false): Widget {
  const request: Record<string, unknown> = { response_format: 'scalar', queries: [metricQuery(query, 'last')], formulas: [{ formula: 'query1' }] }
  if (badWhenAboveZero) {
    request.conditional_formats = [
      { comparator: '>', value: 0, palette: 'white_on_red' },
      { comparator: '<=', value: 0, palette: 'white_on_green' }
    ]
  }
  return { definition: { type: 'query_value', title, precision: 0, requests: [request] } }
}

function group(title: string, widgets: Widget[]): Widget {
  return { definition: { type: 'group', title, layout_type: 'ordered', show_title: true, widgets } }
}

/** The one dashboard, as a POST/PUT /api/v1/dashboard body. */
export function dashboardDefinition(prefix: string): DashboardBody {
  const metric = (name: MetricName): string => `${prefix}.${name}`
  const collector = (name: CollectorMetric): string => collectorMetricName(prefix, name)
  const followers = `avg:${metric('followers_count')}${FILTER} by {account}`
  return {
    title: dashboardTitle(prefix),
    description: `Followers, posts and collector health recorded by twitter-stats under the metric prefix \`${prefix}\`. Managed by twitter-stats (datadog-dashboard: true): edits made here are replaced on its next run, so clone the dashboard to customise it. ${dashboardMarker(prefix)}`,
    layout_type: 'ordered',
    reflow_type: 'auto',
    template_variables: [
      { name: 'account', prefix: 'account', defaults: ['*'] },
      { name: 'network', prefix: 'network', defaults: ['*'] }
    ],
    widgets: [
      group('Followers', [
        timeseries('Followers over time', `avg:${metric('followers_count')}${FILTER} by {account,network}`),
        toplist('Top accounts by followers', followers, 25),
        change('Followers: net change over the last day', followers, 'day_before'),
        change('Followers: net change over the last week', followers, 'week_before'),
        change('Followers: net change over the last month', followers, 'month_before'),
        timeseries('Following over time', `avg:${metric('friends_count')}${FILTER} by {account,network}`)
      ]),
      group('Posts', [
        timeseries('Posts over time', `avg:${metric('status_count')}${FILTER} by {account,network}`),
        change('Posts: published over the last day', `avg:${metric('status_count')}${FILTER} by {account}`, 'day_before'),
        change('Posts: published over the last week', `avg:${metric('status_count')}${FILTER} by {account}`, 'week_before')
      ]),
      group('Collector health', [
        queryValue('Accounts collected (last run)', `sum:${collector('accounts_collected')}{$network}`),
        queryValue('Accounts failed (last run)', `sum:${collector('accounts_failed')}{$network}`, true),
        timeseries(
          'Runs: accounts collected per run (the latest bar is the last run)',
          `sum:${collector('accounts_collected')}{$network} by {network}`,
          'bars'
        ),
        timeseries('Failed accounts by reason', `sum:${collector('accounts_failed')}{$network} by {reason,network}`, 'bars'),
        timeseries('Run duration (seconds)', `max:${collector('run_duration')}{*}`),
        timeseries('Rate limit remaining', `min:${collector('rate_limit_remaining')}{$network} by {network}`)
      ])
    ]
  }
}
