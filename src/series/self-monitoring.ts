/**
 * Pure: the collector's own health as Datadog series, so a user can alert inside Datadog when
 * collection stops ("no data") or accounts fail ("failed > 0").
 */
import type { Account, Network, Sample, Series, Failure, FailureReason } from '../model.js'
import { countAccounts } from '../sources/shared.js'

/** Every failure reason, so each `reason:` group gets a value (zero included) on every run. */
export const FAILURE_REASONS: readonly FailureReason[] = ['not_found', 'suspended', 'rate_limited', 'error']

/** Names under `{prefix}.collector.`; the longest must match LONGEST_SUFFIX in metrics.ts. */
export const COLLECTOR_METRICS = ['accounts_collected', 'accounts_failed', 'run_duration', 'rate_limit_remaining'] as const
export type CollectorMetric = (typeof COLLECTOR_METRICS)[number]

export function collectorMetricName(prefix: string, name: CollectorMetric): string {
  return `${prefix}.collector.${name}`
}

/** What one run did, as plain data. */
export interface RunOutcome {
  /** Unix seconds: when the series are built. */
  timestamp: number
  accounts: Account[]
  samples: Sample[]
  failures: Failure[]
  durationSeconds: number
  /** Lowest rate-limit remaining seen per network, where the network reports one. */
  rateLimitRemaining: Partial<Record<Network, number>>
}

/**
 * One `accounts_collected` per network in the run; one `accounts_failed` per reason and network,
 * zero included, so a monitor grouped by reason resolves once the failure stops; `run_duration`;
 * `rate_limit_remaining` per network that reported it (omitted when unknown).
 */
export function selfMonitoringSeries(outcome: RunOutcome, prefix: string, extraTags: string[]): Series[] {
  const networks = [...new Set<Network>([...outcome.accounts.map((a) => a.network), ...outcome.failures.map((f) => f.network)])].sort()
  const gauge = (name: CollectorMetric, value: number, tags: string[]): Series => ({
    metric: collectorMetricName(prefix, name),
    type: 3,
    points: [{ timestamp: outcome.timestamp, value }],
    tags: [...tags, ...extraTags]
  })

  const series: Series[] = []
  for (const network of networks) {
    const collected = outcome.samples.filter((s) => s.account.network === network).length
    series.push(gauge('accounts_collected', collected, [`network:${network}`]))
  }
  for (const network of networks) {
    for (const reason of FAILURE_REASONS) {
      const failed = countAccounts(outcome.failures.filter((f) => f.network === network && f.reason === reason))
      series.push(gauge('accounts_failed', failed, [`reason:${reason}`, `network:${network}`]))
    }
  }
  series.push(gauge('run_duration', Math.round(outcome.durationSeconds * 1000) / 1000, []))
  for (const network of networks) {
    const remaining = outcome.rateLimitRemaining[network]
    if (remaining !== undefined) series.push(gauge('rate_limit_remaining', remaining, [`network:${network}`]))
  }
  return series
}
