/**
 * What a run costs, stated on every run: the X users it read (X bills each user returned, once per UTC day)
 * and the distinct series it sent (each is a Datadog custom metric). Pure: samples and series in, numbers out.
 */
import type { Sample } from '../model.js'
import { forEachName, type SeriesList } from '../series/metrics.js'

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
 * Distinct series by metric name and tag set. A run's series come account by account, the series of one account
 * sharing one tags array, so its sorted key is made once for all of them; each tag set's metrics are a bit mask of
 * the run's few metric names (10,000 accounts make 60,000 series but 10,000 tag sets, and Sets or arrays for each
 * took 6 to 16 MB that outlived the run as garbage).
 */
function countDistinct(series: SeriesList, collectorPrefix: string): { series: number; collectorSeries: number } {
  const bitOf = new Map<string, number>()
  const masks = new Map<string, number>()
  // Beyond 30 metric names (more than a run sends), each further pair is kept as text.
  const others = new Set<string>()
  let distinct = 0
  let collectorSeries = 0
  let lastTags: readonly string[] | undefined
  let key = ''
  forEachName(series, (metric, tags) => {
    if (tags !== lastTags) {
      lastTags = tags
      key = [...tags].sort().join(',')
    }
    let bit = bitOf.get(metric)
    if (bit === undefined) bitOf.set(metric, (bit = bitOf.size))
    if (bit < 30) {
      const mask = masks.get(key) ?? 0
      if (mask & (1 << bit)) return
      masks.set(key, mask | (1 << bit))
    } else {
      const pair = `${key}\n${metric}`
      if (others.has(pair)) return
      others.add(pair)
    }
    distinct++
    if (metric.startsWith(collectorPrefix)) collectorSeries++
  })
  return { series: distinct, collectorSeries }
}

/** `xListUsers`: the X users (lower-case usernames) that X Lists returned, collected or not. */
export function measureFootprint(
  samples: Sample[],
  series: SeriesList,
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
