/**
 * The state's format, version 1 (docs/state.md): gzip-compressed JSON. Values are arrays aligned with the
 * top-level `metrics` list, so 10,000 accounts with nine daily snapshots each stay well under 4 MiB.
 *
 *   { "format": "twitter-stats state", "version": 1, "prefix": "twitter", "writtenAt": 1765000000,
 *     "metrics": ["followers_count", …],
 *     "accounts": { "x:jack": { "id": "12", "name": "jack", "last": [1765000000, [1001, …]], "daily": [[1764950000, [990, …]], …] } },
 *     "undelivered": [{ "collectedAt": 1765000000, "series": [<a POST /api/v2/series series>, …] }] }
 */
import { gzipSync } from 'node:zlib'
import { METRIC_NAMES, type MetricName, type Series } from '../series/metrics.js'

/** What marks a state as ours: a JSON file without it was written by something else. */
export const STATE_FORMAT = 'twitter-stats state'
export const STATE_VERSION = 1

/** The values of one account at one moment; `at` in Unix seconds. */
export interface Snapshot {
  at: number
  values: Partial<Record<MetricName, number>>
}

export interface AccountMemory {
  /** The network's own id (X user id, Bluesky DID, Mastodon account id), when a run got it. */
  id?: string
  /** The name the network last gave (differs from the key after a rename). */
  name?: string
  /** The values of the last run that collected the account. */
  last: Snapshot
  /** The first values of each UTC day, oldest first: the last DAILY_SNAPSHOTS days. */
  daily: Snapshot[]
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

/** A snapshot on the wire: [at, [value or null, in the order of `metrics`]]. */
export type WireSnapshot = [number, (number | null)[]]

/** A snapshot's JSON, written as text: 10,000 accounts have 100,000 snapshots, and arrays for each took 13 MB. */
function snapshotJson(snapshot: Snapshot): string {
  let text = `[${JSON.stringify(snapshot.at)},[`
  for (const [i, name] of METRIC_NAMES.entries()) text += `${i > 0 ? ',' : ''}${JSON.stringify(snapshot.values[name] ?? null)}`
  return `${text}]]`
}

/**
 * The JSON text of a state (before compression), for tests and for `docs/state.md`'s example: the text
 * JSON.stringify gives the format's object, each account written as text and dropped, never a tree for them all.
 */
export function stateJson(state: RunState): string {
  const accounts: string[] = []
  for (const [key, memory] of state.accounts) {
    let text = `${JSON.stringify(key)}:{`
    if (memory.id !== undefined) text += `"id":${JSON.stringify(memory.id)},`
    if (memory.name !== undefined) text += `"name":${JSON.stringify(memory.name)},`
    accounts.push(`${text}"last":${snapshotJson(memory.last)},"daily":[${memory.daily.map(snapshotJson).join(',')}]}`)
  }
  const head = JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, prefix: state.prefix, writtenAt: state.writtenAt, metrics: METRIC_NAMES })
  return `${head.slice(0, -1)},"accounts":{${accounts.join(',')}},"undelivered":${JSON.stringify(state.undelivered)}}`
}

/** The bytes a store keeps. */
export function encodeState(state: RunState): Uint8Array {
  // Level 1: a few times faster than 6 on every run, and 10,000 accounts still take a fraction of the 4 MiB.
  return gzipSync(stateJson(state), { level: 1 })
}
