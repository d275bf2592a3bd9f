/**
 * What a run costs, stated on every run: the X users it read (X bills each user returned, once per UTC day)
 * and the distinct series it sent (each is a Datadog custom metric). Pure: samples and series in, numbers out.
 */
import type { Sample, Series } from '../series/metrics.js'

/** X API pricing, User: Read, US dollars per user returned (deduplicated per UTC day), when this was written. */
export const X_USER_READ_USD = 0.01

export interface Footprint {
  /** X users returned by X in this run: what X bills, once per user per UTC day. */
  xUsersRead: number
  /** Of those, the users read through X Lists (a list's members come with their counts, and X bills each); only when a run read any. */
  xListUsersRead?: number
  /** xUsersRead at X_USER_READ_USD: the most this list costs at X per UTC day, however often it runs. */
  xCostUsd: number
  xRateUsd: number
  /** Distinct series (metric name and tags) sent, or that a dry run would send: Datadog's custom metrics. */
  series: number
  /** Of those, the accounts' series, and the collector's own `{prefix}.collector.*`. */
  accountSeries: number
  collectorSeries: number
  dryRun: boolean
}

/**
 * Distinct series by metric name and tag set, counted per tag set: the series of one account share one tags
 * array, so its sorted key is made once for all of them (10,000 accounts make 60,000 series but 10,000 tag sets).
 * Each tag set's metric names are a short array (a handful each), not a Set: 10,000 Sets took 16 MB.
 */
function countDistinct(series: Iterable<Series>, collectorPrefix: string): { series: number; collectorSeries: number } {
  const keyOfTags = new Map<readonly string[], string>()
  const metricsByTags = new Map<string, string[]>()
  let distinct = 0
  let collectorSeries = 0
  for (const { metric, tags } of series) {
    let key = keyOfTags.get(tags)
    if (key === undefined) {
      key = [...tags].sort().join(',')
      keyOfTags.set(tags, key)
    }
    let metrics = metricsByTags.get(key)
    if (!metrics) metricsByTags.set(key, (metrics = []))
    if (metrics.includes(metric)) continue
    metrics.push(metric)
    distinct++
    if (metric.startsWith(collectorPrefix)) collectorSeries++
  }
  return { series: distinct, collectorSeries }
}

/** `xListUsers`: the X users (lower-case usernames) that X Lists returned, collected or not. */
export function measureFootprint(
  samples: Sample[],
  series: Iterable<Series>,
  prefix: string,
  dryRun: boolean,
  xListUsers: ReadonlySet<string> = new Set()
): Footprint {
  const xSamples = samples.filter((s) => s.account.network === 'x')
  const xUsersRead = xListUsers.size === 0 ? xSamples.length : new Set([...xSamples.map((s) => s.account.key), ...xListUsers]).size
  const distinct = countDistinct(series, `${prefix}.collector.`)
  return {
    xUsersRead,
    ...(xListUsers.size > 0 ? { xListUsersRead: xListUsers.size } : {}),
    xCostUsd: Math.round(xUsersRead * X_USER_READ_USD * 100) / 100,
    xRateUsd: X_USER_READ_USD,
    series: distinct.series,
    accountSeries: distinct.series - distinct.collectorSeries,
    collectorSeries: distinct.collectorSeries,
    dryRun
  }
}

function dollars(value: number): string {
  return `$${value.toFixed(2)}`
}

/** The log line: one sentence a person reads to know what this schedule costs. */
export function footprintLine(footprint: Footprint): string {
  const x =
    footprint.xUsersRead > 0
      ? `${footprint.xUsersRead} X user(s) read${footprint.xListUsersRead ? ` (${footprint.xListUsersRead} through lists)` : ''}: ${dollars(footprint.xCostUsd)} a UTC day at X's $${footprint.xRateUsd.toFixed(3)} per user (X counts each user once a day, so more runs cost no more)`
      : 'no X user read (no X cost)'
  const sent = footprint.dryRun ? 'would be sent' : 'sent'
  return `Footprint: ${x}; ${footprint.series} distinct series ${sent} (Datadog custom metrics: ${footprint.accountSeries} for the accounts, ${footprint.collectorSeries} about the collector).`
}
