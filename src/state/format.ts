/**
 * The state's format, version 1 (docs/state.md): gzip-compressed JSON. A snapshot is its time followed by its
 * values in the order of the top-level `metrics` list; `daily` holds them one after another. 10,000 accounts with
 * nine daily snapshots each stay well under 4 MiB.
 *
 *   { "format": "twitter-stats state", "version": 1, "prefix": "twitter", "metrics": ["followers_count", …],
 *     "accounts": { "x:jack": { "id": "12", "name": "jack", "last": [1765000000, 1001, …], "daily": [1764950000, 990, …, 1765000000, 1001, …] } },
 *     "undelivered": [{ "collectedAt": 1765000000, "series": [<a POST /api/v2/series series>, …] }], "writtenAt": 1765000000 }
 */
import { gzipSync } from 'node:zlib'
import { METRIC_NAMES, type MetricName, type Series } from '../model.js'

/** What marks a state as ours: a JSON file without it was written by something else. */
export const STATE_FORMAT = 'twitter-stats state'
export const STATE_VERSION = 1

/** A snapshot's length in a list of them: its time, then one value for each of METRIC_NAMES. */
export const SNAPSHOT_LENGTH = 1 + METRIC_NAMES.length

/**
 * Snapshots one after another, oldest first: each its time (Unix seconds), then its counts in the order of
 * METRIC_NAMES, null where the run did not get one. This is the form the state stores them in, so a state read
 * from its JSON keeps the parsed arrays as they are: two arrays an account, where an array for each snapshot and
 * its values made JSON.parse and the garbage collector take most of the time of reading a state.
 */
export type Snapshots = readonly (number | null)[]

const METRIC_INDEX = Object.fromEntries(METRIC_NAMES.map((name, i) => [name, i])) as Record<MetricName, number>

/** A count the state keeps: a whole number, 0 or more (what validate.ts accepts when it reads one back). */
export function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

/** One snapshot of a sample's metrics at `at`; anything but a count is not kept, and -0 is kept as the 0 JSON writes. */
export function snapshotOf(at: number, metrics: Partial<Record<MetricName, number>>): Snapshots {
  const snapshot: (number | null)[] = [at]
  for (const name of METRIC_NAMES) {
    const value = metrics[name]
    snapshot.push(isCount(value) ? Math.abs(value) : null)
  }
  return snapshot
}

/** How many snapshots `list` holds. */
export function snapshotCount(list: Snapshots): number {
  return list.length / SNAPSHOT_LENGTH
}

/** The time of snapshot `i` of `list` (Unix seconds). */
export function timeOf(list: Snapshots, i = 0): number {
  return list[i * SNAPSHOT_LENGTH] ?? 0
}

/** One metric of snapshot `i` of `list`, or undefined when that run did not get it. */
export function countOf(list: Snapshots, name: MetricName, i = 0): number | undefined {
  return list[i * SNAPSHOT_LENGTH + 1 + METRIC_INDEX[name]] ?? undefined
}

/** Snapshot `i` of `list` alone. */
export function snapshotAt(list: Snapshots, i: number): Snapshots {
  return list.slice(i * SNAPSHOT_LENGTH, (i + 1) * SNAPSHOT_LENGTH)
}

export interface AccountMemory {
  /** The network's own id (X user id, Bluesky DID, Mastodon account id), when a run got it. */
  id?: string
  /** The name the network last gave (differs from the key after a rename). */
  name?: string
  /** The values of the last run that collected the account: one snapshot. */
  last: Snapshots
  /** The first values of each UTC day: the last DAILY_SNAPSHOTS days. */
  daily: Snapshots
}

/** Series Datadog did not accept, with the time of the run that collected them (Unix seconds). */
export interface PendingSeries {
  collectedAt: number
  series: Series[]
}

/** The memory between runs, as the rest of the code sees it. Accounts are keyed `network:key`. */
export interface RunState {
  prefix: string
  writtenAt: number
  accounts: Map<string, AccountMemory>
  undelivered: PendingSeries[]
}

/** Today and the eight days before: the newest snapshot at least 7 days old is always among them. */
export const DAILY_SNAPSHOTS = 9

/** The key of an account in the state: `x:jack`, `bluesky:alice.bsky.social`, `mastodon:user@instance.social`. */
export function stateKey(account: { network: string; key: string }): string {
  return `${account.network}:${account.key}`
}

/** The JSON member of each account, written as text and dropped, never a tree for them all. */
export function accountTexts(entries: readonly (readonly [string, AccountMemory])[]): string[] {
  return entries.map(([key, memory]) => {
    let text = `${JSON.stringify(key)}:{`
    if (memory.id !== undefined) text += `"id":${JSON.stringify(memory.id)},`
    if (memory.name !== undefined) text += `"name":${JSON.stringify(memory.name)},`
    // Times and counts are whole numbers or null: JSON.stringify writes a list of them quickly.
    return `${text}"last":${JSON.stringify(memory.last)},"daily":${JSON.stringify(memory.daily)}}`
  })
}

/** A state's JSON up to its accounts' members: all that is known before the run's end (./encoding.ts). */
export function stateHead(prefix: string): string {
  const head = JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, prefix, metrics: METRIC_NAMES })
  return `${head.slice(0, -1)},"accounts":{`
}

/** A state's JSON after its accounts' members: the series owed and the time it was written. */
export function stateTail(state: Pick<RunState, 'undelivered' | 'writtenAt'>): string {
  return `},"undelivered":${JSON.stringify(state.undelivered)},"writtenAt":${state.writtenAt}}`
}

/**
 * The JSON text of a state (before compression), for tests and for `docs/state.md`'s example: the text
 * JSON.stringify gives the format's object.
 */
export function stateJson(state: RunState): string {
  return stateHead(state.prefix) + accountTexts([...state.accounts]).join(',') + stateTail(state)
}

/** The bytes a store keeps, at once (./encoding.ts makes them while the run waits on Datadog). */
export function encodeState(state: RunState): Uint8Array {
  return gzipSync(stateJson(state), { level: STATE_GZIP_LEVEL })
}

/** Level 1: a few times faster than 6 on every run, and 10,000 accounts still take a fraction of the 4 MiB. */
export const STATE_GZIP_LEVEL = 1
