/**
 * What changed: pure functions of (state, samples, now). For every collected account and metric, the change
 * since the previous run, over 24 hours (against the newest snapshot at least 24 hours old) and over 7 days
 * (the newest at least 7 days old); null where the state holds no such value.
 */
import type { Network, MetricName, Sample } from '../model.js'
import { countOf, snapshotCount, stateKey, timeOf, type AccountMemory, type RunState, type Snapshots } from './format.js'

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

/** A snapshot in an account's memory: snapshot `index` of `list` (its daily ones, or its last). */
interface Found {
  list: Snapshots
  index: number
}

function difference(sample: Sample, before: Found | undefined, metrics: readonly MetricName[]): MetricChanges | null {
  if (!before) return null
  const changes: MetricChanges = {}
  for (const name of metrics) {
    const now = sample.metrics[name]
    if (now === undefined) continue
    const then = countOf(before.list, name, before.index)
    changes[name] = then === undefined ? null : now - then
  }
  return changes
}

/** The newest of an account's snapshots (its daily ones and its last) taken at least `age` seconds before `now`. */
function newestAtLeast(memory: AccountMemory | undefined, now: number, age: number): Found | undefined {
  if (!memory) return undefined
  const latest = now - age
  let found: Found | undefined
  let foundAt = -1
  const { daily, last } = memory
  for (let index = 0; index < snapshotCount(daily); index++) {
    const at = timeOf(daily, index)
    if (at <= latest && at > foundAt) {
      found = { list: daily, index }
      foundAt = at
    }
  }
  return timeOf(last) <= latest && timeOf(last) > foundAt ? { list: last, index: 0 } : found
}

/** Pure: the changes of every sample against the state, at `now` (Unix seconds). */
export function computeChanges(state: RunState | undefined, samples: readonly Sample[], metrics: readonly MetricName[], now: number): AccountChange[] {
  return samples.map((sample) => {
    const memory = state?.accounts.get(stateKey(sample.account))
    return {
      account: sample.account.key,
      network: sample.account.network,
      sincePrevious: difference(sample, memory && { list: memory.last, index: 0 }, metrics),
      since24h: difference(sample, newestAtLeast(memory, now, DAY), metrics),
      since7d: difference(sample, newestAtLeast(memory, now, 7 * DAY), metrics)
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
