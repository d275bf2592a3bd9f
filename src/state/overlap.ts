/**
 * Two runs of one state at once (a schedule that fires while the last run still runs): both read the same state,
 * and without care the one that saves last hides what the other saved, its series for the next run to re-send
 * among it. So just before saving, a run asks its store for a state saved meanwhile; when there is one, what it
 * holds is merged into this run's (the newer values of each account, its snapshots and ids, and the series it
 * could not deliver that this run did not re-send itself), the merge is saved, and the run says so in one line.
 * Where the store can write conditionally (S3), a save that loses the race is retried after merging again.
 */
import type { Logger } from '../log.js'
import type { Series } from '../model.js'
import { DAILY_SNAPSHOTS, snapshotAt, snapshotCount, timeOf, type AccountMemory, type PendingSeries, type RunState, type Snapshots } from './format.js'
import type { StateEncoding } from './encoding.js'
import { storeProblem, writeState } from './run-state.js'
import type { StateStore } from './store.js'
import { decodeState } from './validate.js'

/** Saves tried when a conditional save keeps finding a newer state: each is a merge and a write of a second or so. */
const MAX_SAVES = 3
const DAY = 86_400

export interface OverlapContext {
  prefix: string
  /** Unix seconds. */
  now: number
  /** The series this run re-sent (or tried to) from the state it read: never kept again from another run's. */
  resent: readonly Series[]
}

/** What makes two series the same: a series sent twice is sent once too often. */
function identity(series: Series): string {
  return JSON.stringify([series.metric, series.tags, series.points])
}

/** The earliest snapshot of each UTC day of both, for the last DAILY_SNAPSHOTS days, oldest first. */
function mergeDaily(a: Snapshots, b: Snapshots): Snapshots {
  const byDay = new Map<number, Snapshots>()
  for (const list of [a, b]) {
    for (let i = 0; i < snapshotCount(list); i++) {
      const day = Math.floor(timeOf(list, i) / DAY)
      const known = byDay.get(day)
      if (!known || timeOf(list, i) < timeOf(known)) byDay.set(day, snapshotAt(list, i))
    }
  }
  const days = [...byDay].sort(([x], [y]) => x - y)
  const newest = days.at(-1)?.[0] ?? 0
  return days.filter(([day]) => day > newest - DAILY_SNAPSHOTS).flatMap(([, snapshot]) => snapshot)
}

function mergeAccount(a: AccountMemory, b: AccountMemory): AccountMemory {
  const [newer, older] = timeOf(a.last) >= timeOf(b.last) ? [a, b] : [b, a]
  const memory: AccountMemory = { last: newer.last, daily: mergeDaily(a.daily, b.daily) }
  const id = newer.id ?? older.id
  const name = newer.name ?? older.name
  if (id !== undefined) memory.id = id
  if (name !== undefined) memory.name = name
  return memory
}

/**
 * Pure: this run's next state with what `theirs` (saved by another run meanwhile) holds that it does not. Their
 * series of this prefix are kept for the next run unless this run re-sent them or holds them already; `kept`
 * counts those added.
 */
export function mergeStates(ours: RunState, theirs: RunState, context: OverlapContext): { state: RunState; kept: number } {
  const accounts = new Map(ours.accounts)
  for (const [key, memory] of theirs.accounts) {
    const own = accounts.get(key)
    accounts.set(key, own ? mergeAccount(own, memory) : memory)
  }
  const owned = new Set([...context.resent, ...ours.undelivered.flatMap((group) => group.series)].map(identity))
  const groups = new Map<number, Series[]>(ours.undelivered.map((group) => [group.collectedAt, [...group.series]]))
  let kept = 0
  for (const group of theirs.undelivered) {
    const fresh = group.series.filter((series) => series.metric.startsWith(`${context.prefix}.`) && !owned.has(identity(series)))
    if (fresh.length === 0) continue
    for (const series of fresh) owned.add(identity(series))
    groups.set(group.collectedAt, [...(groups.get(group.collectedAt) ?? []), ...fresh])
    kept += fresh.length
  }
  const undelivered: PendingSeries[] = [...groups].sort(([a], [b]) => a - b).map(([collectedAt, series]) => ({ collectedAt, series }))
  return { state: { prefix: ours.prefix, writtenAt: Math.max(ours.writtenAt, theirs.writtenAt), accounts, undelivered }, kept }
}

/** A usable state another run saved since this one read, or undefined (none, or one this run cannot use anyway). */
async function newerState(store: StateStore, context: OverlapContext, logger: Logger): Promise<RunState | undefined> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await store.newer()
  } catch (error) {
    logger.info(`${storeProblem(store, 'read again from', error)} This run saves its own state without looking for another run's.`)
    return undefined
  }
  if (bytes === undefined) return undefined
  const decoded = decodeState(bytes, context.prefix, context.now, store.where)
  return decoded.kind === 'ok' ? decoded.state : undefined
}

/** "Another run saved the state in the Actions cache while this one ran (the runs overlapped); …" */
export function overlapMessage(store: StateStore, kept: number): string {
  const what =
    kept > 0
      ? `its ${kept} undelivered series ${kept === 1 ? 'is' : 'are'} kept for the next run, and its accounts' values with this run's`
      : "its accounts' values are kept with this run's"
  return `Another run saved the state in ${store.where} while this one ran (the runs overlapped); ${what}. To keep runs from overlapping, ${store.overlapAdvice}.`
}

/**
 * Saves `next`, merged first with any state another run saved meanwhile; the state written, or undefined.
 * `encoding`: `next`'s bytes begun ahead (./encoding.ts; a merge is encoded anew).
 */
export async function saveAcrossOverlap(
  store: StateStore,
  next: RunState,
  context: OverlapContext,
  logger: Logger,
  encoding?: StateEncoding
): Promise<RunState | undefined> {
  let state = next
  let overlapped = false
  let kept = 0
  for (let save = 1; save <= MAX_SAVES; save++) {
    const theirs = await newerState(store, context, logger)
    if (theirs) {
      const merged = mergeStates(state, theirs, context)
      state = merged.state
      kept += merged.kept
      overlapped = true
    }
    const outcome = await writeState(store, state, logger, save < MAX_SAVES, encoding)
    if (outcome === 'conflict') continue
    if (outcome === 'written' && overlapped) logger.warning(overlapMessage(store, kept))
    return outcome === 'written' ? state : undefined
  }
  return undefined
}
