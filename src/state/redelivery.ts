/**
 * Re-delivery: series an earlier run could not deliver are sent first by the next run, with their own
 * timestamps. Datadog takes a point at most an hour in the past (the v2 series spec), so older ones are
 * dropped and counted. Only series of this run's prefix and metric names are ever sent from the state.
 */
import { collectorMetricName, COLLECTOR_METRICS } from '../series/self-monitoring.js'
import type { MetricName, Series } from '../model.js'
import type { PendingSeries, RunState } from './format.js'

/** Datadog's v2 series: "timestamps … cannot be more than ten minutes in the future or more than one hour in the past". */
export const DATADOG_PAST_SECONDS = 3600
export const DATADOG_FUTURE_SECONDS = 600
/** Time for the re-send itself to reach Datadog, so a point is not past its hour on arrival. */
const SENDING_MARGIN_SECONDS = 60

export interface ResendPlan {
  /** What to send, oldest run first. */
  series: Series[]
  /** The run (collectedAt) each series came from, to keep the ones refused again under their own run. */
  runOf: Map<Series, number>
  /** Per earlier run, the series over an hour old. */
  dropped: { collectedAt: number; count: number }[]
  /** Series the state held that this run may not send: another metric, or a time in the future. */
  skipped: number
}

/** The metric names this run sends: its account metrics, and the collector's own when self-monitoring is on. */
export function sendableMetrics(prefix: string, metrics: readonly MetricName[], selfMonitoring: boolean): Set<string> {
  const names = metrics.map((name) => `${prefix}.${name}`)
  if (selfMonitoring) names.push(...COLLECTOR_METRICS.map((name) => collectorMetricName(prefix, name)))
  return new Set(names)
}

/** Pure: what to re-send from `state` at `now` (Unix seconds). */
export function planResend(state: RunState | undefined, sendable: Set<string>, now: number): ResendPlan {
  const plan: ResendPlan = { series: [], runOf: new Map(), dropped: [], skipped: 0 }
  const oldest = now - DATADOG_PAST_SECONDS + SENDING_MARGIN_SECONDS
  for (const group of [...(state?.undelivered ?? [])].sort((a, b) => a.collectedAt - b.collectedAt)) {
    let tooOld = 0
    for (const series of group.series) {
      const times = series.points.map((p) => p.timestamp)
      if (!sendable.has(series.metric) || times.some((t) => t > now + DATADOG_FUTURE_SECONDS)) plan.skipped++
      else if (times.some((t) => t < oldest)) tooOld++
      else {
        plan.series.push(series)
        plan.runOf.set(series, group.collectedAt)
      }
    }
    if (tooOld > 0) plan.dropped.push({ collectedAt: group.collectedAt, count: tooOld })
  }
  return plan
}

/** "14:00 UTC" on the same UTC day as `now`, "2026-12-05 14:00 UTC" otherwise. */
export function runTime(at: number, now: number): string {
  const iso = new Date(at * 1000).toISOString()
  const sameDay = iso.slice(0, 10) === new Date(now * 1000).toISOString().slice(0, 10)
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`
}

/** One line per earlier run whose series were too old to send. */
export function droppedMessages(plan: ResendPlan, now: number): string[] {
  return plan.dropped.map(
    ({ collectedAt, count }) =>
      `${count} series collected at ${runTime(collectedAt, now)} were over an hour old and were dropped; the metrics file of that run holds them.`
  )
}

export function skippedMessage(plan: ResendPlan): string | undefined {
  if (plan.skipped === 0) return undefined
  return `${plan.skipped} series kept in the state were not re-sent: they are not among this run's metrics (metric-prefix, metrics, self-monitoring) or their time is in the future.`
}

/** "Re-sending 6 series that Datadog did not accept in the run at 14:00 UTC." */
export function resendingMessage(plan: ResendPlan, now: number): string {
  const runs = [...new Set(plan.runOf.values())].sort((a, b) => a - b).map((at) => runTime(at, now))
  const which = runs.length === 1 ? `the run at ${runs[0]}` : `the runs at ${runs.join(', ')}`
  return `Re-sending ${plan.series.length} series that Datadog did not accept in ${which}.`
}

/** The series of the plan still not accepted, under their own runs, to keep for the next run. */
export function stillPending(plan: ResendPlan, refused: Series[]): PendingSeries[] {
  const byRun = new Map<number, Series[]>()
  for (const series of refused) {
    const at = plan.runOf.get(series)
    if (at === undefined) continue
    const list = byRun.get(at)
    if (list) list.push(series)
    else byRun.set(at, [series])
  }
  return [...byRun].map(([collectedAt, series]) => ({ collectedAt, series }))
}
