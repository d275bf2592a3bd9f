/**
 * The shared words, on the ground floor: the networks, an account, the metrics, a sample, a series and a failure.
 * Every part imports them from here, downward, and none reaches into another part for them.
 */

export const NETWORKS = ['x', 'bluesky', 'mastodon'] as const
export type Network = (typeof NETWORKS)[number]

/** One account to collect, normalised. */
export interface Account {
  network: Network
  /** The account as shown to people: `jack`, `alice.bsky.social`, `user@instance.social`. */
  handle: string
  /** Lower-cased identity, unique within a network: the de-duplication key and the `metrics` output's `account`. */
  key: string
  /** Mastodon only: the account's instance (host name, lower case). */
  instance?: string
  /** The network's own id, when a list gave it (a Bluesky list member's DID): the source looks the account up by it. */
  id?: string
}

/** The metric names, shared by every network so one graph can show them together. */
export const METRIC_NAMES = ['followers_count', 'friends_count', 'status_count', 'listed_count', 'favourites_count', 'media_count'] as const
export type MetricName = (typeof METRIC_NAMES)[number]

/** What a source measured for one account at one moment. */
export interface Sample {
  account: Account
  /** Unix seconds. */
  timestamp: number
  metrics: Partial<Record<MetricName, number>>
  /** The network's own id for the account (X user id, Bluesky DID, Mastodon account id), when the answer gave it. */
  id?: string
  /** The account's name as the network gave it this time (it differs from `account.handle` after a rename). */
  name?: string
}

/** A Datadog v2 series (gauge = type 3). */
export interface Series {
  metric: string
  type: 3
  points: { timestamp: number; value: number }[]
  tags: string[]
}

/** Why accounts were not collected; also the `reason:` tag of the self-monitoring series. */
export type FailureReason = 'not_found' | 'suspended' | 'rate_limited' | 'error'

/** Accounts that could not be collected, for one reason, reported as one warning. */
export interface Failure {
  network: Network
  accounts: Account[]
  reason: FailureReason
  message: string
  /** A problem with the whole run (rejected credentials), not with these accounts. */
  fatal?: boolean
  /** Collected, but Datadog did not accept the series: they are in the re-sendable body, and the delivery error says why. */
  undelivered?: boolean
}
