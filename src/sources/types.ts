import type { Account, Failure, Network, Sample } from '../model.js'

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
