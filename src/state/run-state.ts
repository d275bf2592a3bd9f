/**
 * The state in a run: read once at the start, the next one built from what the run collected, written once at the
 * end. A store that fails, or a state that is not usable, is one warning; the run goes on as if it had none.
 */
import type { Logger } from '../log.js'
import type { Sample } from '../model.js'
import { messageOf } from '../text/errors.js'
import {
  countOf,
  DAILY_SNAPSHOTS,
  encodeState,
  SNAPSHOT_LENGTH,
  snapshotCount,
  snapshotOf,
  stateKey,
  timeOf,
  type AccountMemory,
  type PendingSeries,
  type RunState,
  type Snapshots
} from './format.js'
import type { StateEncoding } from './encoding.js'
import { MAX_STATE_BYTES, StateConflictError, StateStoreError, type StateStore } from './store.js'
import { decodeState } from './validate.js'

const DAY = 86_400
/** An account no run has collected for this long is forgotten (removed from the list, or gone for good). */
export const FORGET_AFTER_SECONDS = 30 * DAY

/** What a failure of the store says: its own message when it is ours, otherwise the store's name and the error. */
export function storeProblem(store: StateStore, doing: string, error: unknown): string {
  return error instanceof StateStoreError ? error.message : `The state could not be ${doing} ${store.where} (${messageOf(error)}).`
}

/** The usable state in `store` for a run of `prefix` at `now` (Unix seconds), or undefined with one warning. */
export async function readState(store: StateStore, prefix: string, now: number, logger: Logger): Promise<RunState | undefined> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await store.load()
  } catch (error) {
    logger.warning(`${storeProblem(store, 'read from', error)} This run goes on without it and delivers as if there were none.`)
    return undefined
  }
  if (bytes === undefined) {
    logger.info(`No state in ${store.where} yet: this run starts one.`)
    return undefined
  }
  const decoded = decodeState(bytes, prefix, now, store.where)
  if (decoded.kind === 'unusable') {
    logger.warning(decoded.problem)
    return undefined
  }
  logger.info(`Read the state of ${decoded.state.accounts.size} account(s) from ${store.where}.`)
  return decoded.state
}

const dayOf = (at: number): number => Math.floor(at / DAY)

/**
 * The day's first values are its snapshot; snapshots older than DAILY_SNAPSHOTS days are dropped. A state's
 * daily snapshots are in time order (validate.ts checks it), so those kept are one run of them, copied at once.
 */
function nextDaily(daily: Snapshots, sample: Snapshots): Snapshots {
  const at = timeOf(sample)
  const today = dayOf(at)
  let from = 0
  let to = snapshotCount(daily)
  while (from < to && dayOf(timeOf(daily, from)) <= today - DAILY_SNAPSHOTS) from++
  while (to > from && timeOf(daily, to - 1) >= at) to--
  const kept = daily.slice(from * SNAPSHOT_LENGTH, to * SNAPSHOT_LENGTH)
  return to > from && dayOf(timeOf(daily, to - 1)) === today ? kept : kept.concat(sample)
}

export interface NextStateInput {
  prefix: string
  /** Every sample collected this run, delivered or not. */
  samples: Sample[]
  /** The series still not accepted: earlier runs' kept ones and this run's. */
  undelivered: PendingSeries[]
  /** Unix seconds. */
  now: number
}

/** Pure: the accounts of the state to write after a run. Those this run did not collect keep their memory for FORGET_AFTER_SECONDS. */
export function nextAccounts(previous: RunState | undefined, samples: Sample[], now: number): Map<string, AccountMemory> {
  const accounts = new Map<string, AccountMemory>()
  for (const [key, memory] of previous?.accounts ?? []) {
    if (timeOf(memory.last) > now - FORGET_AFTER_SECONDS) accounts.set(key, memory)
  }
  for (const sample of samples) {
    const key = stateKey(sample.account)
    const before = accounts.get(key)
    const snapshot = snapshotOf(sample.timestamp, sample.metrics)
    const memory: AccountMemory = { last: snapshot, daily: nextDaily(before?.daily ?? [], snapshot) }
    const id = sample.id ?? before?.id
    const name = sample.name ?? before?.name
    if (id !== undefined) memory.id = id
    if (name !== undefined) memory.name = name
    accounts.set(key, memory)
  }
  return accounts
}

/** Pure: the state to write after a run; `accounts` when they were worked out ahead (nextAccounts of the same input). */
export function nextState(previous: RunState | undefined, input: NextStateInput, accounts = nextAccounts(previous, input.samples, input.now)): RunState {
  const undelivered = input.undelivered.filter((group) => group.series.length > 0)
  return { prefix: input.prefix, writtenAt: input.now, accounts, undelivered }
}

/** The bytes of `state`: from `encoding` when it was made for it, otherwise (or should it fail) encoded now. */
async function bytesOf(state: RunState, encoding: StateEncoding | undefined): Promise<Uint8Array> {
  try {
    const made = encoding?.finish(state)
    if (made) return await made
  } catch {
    // zlib's stream failed: the state is encoded at once instead.
  }
  return encodeState(state)
}

/**
 * Writes the state; a store that fails, or a state too large to keep, is one warning (nothing collected is lost).
 * 'conflict' (said nothing) when `mayRetry` and the store found that another run saved since this one looked.
 */
export async function writeState(
  store: StateStore,
  state: RunState,
  logger: Logger,
  mayRetry = false,
  encoding?: StateEncoding
): Promise<'written' | 'conflict' | 'failed'> {
  let bytes = await bytesOf(state, encoding)
  if (bytes.length > MAX_STATE_BYTES && state.undelivered.length > 0) {
    logger.warning(
      `The state would be ${bytes.length} bytes with the series Datadog did not accept; it is kept without them (this run's undelivered file holds them).`
    )
    bytes = encodeState({ ...state, undelivered: [] })
  }
  if (bytes.length > MAX_STATE_BYTES) {
    logger.warning(`The state would be ${bytes.length} bytes, more than a state's ${MAX_STATE_BYTES}; it was not written. Shorten the account list.`)
    return 'failed'
  }
  try {
    await store.save(bytes)
    return 'written'
  } catch (error) {
    if (mayRetry && error instanceof StateConflictError) return 'conflict'
    logger.warning(`${storeProblem(store, 'written to', error)} What this run collected was delivered (or kept in its undelivered file) all the same.`)
    return 'failed'
  }
}

/** What the state knew of an account: its network id, its name, and its followers when last collected. */
export interface KnownAccount {
  id: string
  name: string
  followers?: number
}

/** The accounts of the loaded state whose id is known, keyed `network:key`, for following renames. */
export function knownAccounts(state: RunState | undefined): ReadonlyMap<string, KnownAccount> {
  const known = new Map<string, KnownAccount>()
  for (const [key, memory] of state?.accounts ?? []) {
    if (memory.id === undefined) continue
    const followers = countOf(memory.last, 'followers_count')
    const name = memory.name ?? key.slice(key.indexOf(':') + 1)
    known.set(key, followers === undefined ? { id: memory.id, name } : { id: memory.id, name, followers })
  }
  return known
}
