/**
 * Where the state lives between runs: the Actions cache, an S3 object or a file. A store moves bytes only; what
 * the bytes mean (their format, validation, changes, re-delivery, merging overlapping runs) is the rest of
 * src/state/. The state is read once at the start of a run and written once at its end, after a look at whether
 * another run of the same state saved meanwhile (./overlap.ts).
 */

/** The largest state a store reads: 10,000 accounts take under 4 MiB (docs/state.md); anything larger is damaged. */
export const MAX_STATE_BYTES = 8 * 1024 * 1024

/** Where the `state` setting keeps the state: nowhere, the Actions cache, a file, or an S3 object. */
export type StateLocation = { kind: 'none' } | { kind: 'cache' } | { kind: 'file'; path: string } | { kind: 's3'; uri: string }

/** A store could not load or save: `message` is one line a user can act on (never a secret, no raw server text). */
export class StateStoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StateStoreError'
  }
}

/**
 * The save found that another run saved since this one looked (S3's conditional write): `newer()` now gives what
 * it saved, to merge before saving again.
 */
export class StateConflictError extends StateStoreError {
  constructor(message: string) {
    super(message)
    this.name = 'StateConflictError'
  }
}

export interface StateStore {
  /** Where, for messages: "the Actions cache", "s3://bucket/state.json", "the file state.json". */
  readonly where: string
  /** The stored bytes (at most MAX_STATE_BYTES), or undefined when nothing is stored yet; StateStoreError otherwise. */
  load(): Promise<Uint8Array | undefined>
  /**
   * What another run saved since this one loaded (or last asked), or undefined when the newest stored state is still
   * the one this run read. Asked just before the save; StateStoreError when the store cannot tell.
   */
  newer(): Promise<Uint8Array | undefined>
  /** Replaces what is stored; StateConflictError when the store can tell another run saved since, StateStoreError otherwise. */
  save(bytes: Uint8Array): Promise<void>
  /** What keeps runs of this state from overlapping, for the line an overlap gets: "give the workflow a `concurrency:` group". */
  readonly overlapAdvice: string
}
