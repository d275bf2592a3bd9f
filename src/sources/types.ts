import type { Account, Network } from '../config/accounts.js'
import type { Sample } from '../series/metrics.js'

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

export interface Collection {
  samples: Sample[]
  failures: Failure[]
  /** Problems that did not cost an account, for example one metric dropped as invalid. */
  warnings: string[]
  /** The lowest rate-limit remaining seen in the run's answers, when the service reports one. */
  rateLimitRemaining?: number
  /** Accounts that turned out to be another listed account under another name (a Bluesky handle and its DID): collected once, under the first. */
  duplicates?: Account[]
}

/** A listed account and the network's id for it, as a run before saw it (see src/state/renames.ts). */
export interface WantedById {
  account: Account
  id: string
}

/** A network's collector: accounts in, samples and failures out. Never throws for an account's sake. */
export interface Source {
  network: Network
  /** `onProgress` is told how many accounts each finished request settled, for progress on long lists. */
  collect(accounts: Account[], onProgress?: (settled: number) => void): Promise<Collection>
  /**
   * Looks accounts up by the network's id instead of their name, to follow a rename: a sample is the account
   * the list names (its `name` the one the network gives now); only an answer for the very id asked counts.
   */
  lookupByIds?(wanted: WantedById[], onProgress?: (settled: number) => void): Promise<Collection>
}
