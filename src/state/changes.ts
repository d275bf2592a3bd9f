/**
 * What changed: pure functions of (state, samples, now). For every collected account and metric, the change
 * since the previous run, over 24 hours (against the newest snapshot at least 24 hours old) and over 7 days
 * (the newest at least 7 days old); null where the state holds no such value.
 */
import type { Network } from '../config/accounts.js'
import type { MetricName, Sample } from '../series/metrics.js'
import { stateKey, type RunState, type Snapshot } from './format.js'

const DAY = 86_400

/** Per metric of the `metrics` setting the account has: the change, or null when the earlier value is not known. */
export type MetricChanges = Partial<Record<MetricName, number | null>>

export interface AccountChange {
  account: string
  network: Network
  sincePrevious: MetricChanges | null
  since24h: MetricChanges | null
  since7d: MetricChanges | null
}

function difference(sample: Sample, before: Snapshot | undefined, metrics: readonly MetricName[]): MetricChanges | null {
  if (!before) return null
  const changes: MetricChanges = {}
  for (const name of metrics) {
    const now = sample.metrics[name]
    if (now === undefined) continue
    const then = before.values[name]
    changes[name] = then === undefined ? null : now - then
  }
  return changes
}

/** The newest of the snapshots taken at least `age` seconds before `now`. */
function newestAtLeast(snapshots: Snapshot[], now: number, age: number): Snapshot | undefined {
  let found: Snapshot | undefined
  for (const snapshot of snapshots) if (snapshot.at <= now - age && (!found || snapshot.at > found.at)) found = snapshot
  return found
}

/** Pure: the changes of every sample against the state, at `now` (Unix seconds). */
export function computeChanges(state: RunState | undefined, samples: Sample[], metrics: readonly MetricName[], now: number): AccountChange[] {
  return samples.map((sample) => {
    const memory = state?.accounts.get(stateKey(sample.account))
    const snapshots = memory ? [...memory.daily, memory.last] : []
    return {
      account: sample.account.key,
      network: sample.account.network,
      sincePrevious: difference(sample, memory?.last, metrics),
      since24h: difference(sample, newestAtLeast(snapshots, now, DAY), metrics),
      since7d: difference(sample, newestAtLeast(snapshots, now, 7 * DAY), metrics)
    }
  })
}

/** `+100`, `-12`, `0`; empty when not known. */
export function signed(change: number | null | undefined): string {
  if (change === null || change === undefined) return ''
  return change > 0 ? `+${change}` : String(change)
}

export interface Mover {
  account: string
  network: Network
  change: number
}

export interface BiggestChanges {
  /** Over 24 hours when any account has a snapshot a day old, else since the previous run. */
  over: '24h' | 'previous'
  gains: Mover[]
  losses: Mover[]
}

/** Pure: the largest follower gains and losses, at most `count` of each, biggest first. */
export function biggestChanges(changes: AccountChange[], count = 5): BiggestChanges {
  const over = changes.some((c) => typeof c.since24h?.followers_count === 'number') ? '24h' : 'previous'
  const movers: Mover[] = []
  for (const c of changes) {
    const change = (over === '24h' ? c.since24h : c.sincePrevious)?.followers_count
    if (typeof change === 'number' && change !== 0) movers.push({ account: c.account, network: c.network, change })
  }
  const gains = movers.filter((m) => m.change > 0).sort((a, b) => b.change - a.change)
  const losses = movers.filter((m) => m.change < 0).sort((a, b) => a.change - b.change)
  return { over, gains: gains.slice(0, count), losses: losses.slice(0, count) }
}

/** "over 24 hours" or "since the previous run". */
export function overWords(over: BiggestChanges['over']): string {
  return over === '24h' ? 'over 24 hours' : 'since the previous run'
}

/** One line with the biggest gains and losses of followers, for a log: "Followers over 24 hours: gains jack (X) +100; losses nasa (X) -12." */
export function biggestChangesLine(changes: AccountChange[], networkName: (network: Network) => string, count = 5): string {
  const { over, gains, losses } = biggestChanges(changes, count)
  const names = (movers: Mover[]): string => movers.map((m) => `${m.account} (${networkName(m.network)}) ${signed(m.change)}`).join(', ')
  if (gains.length === 0 && losses.length === 0) return `Followers ${overWords(over)}: no account gained or lost any.`
  return `Followers ${overWords(over)}: gains ${names(gains) || 'none'}; losses ${names(losses) || 'none'}.`
}
