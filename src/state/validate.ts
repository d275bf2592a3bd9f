/**
 * The state is input like any other: bounded, parsed defensively, every field checked. Anything that is not a
 * state this run can use (damaged, truncated, foreign, newer, another prefix) is one problem in plain words, and
 * the run goes on as if it had none.
 */
import { gunzipSync } from 'node:zlib'
import { METRIC_NAMES, type Series } from '../model.js'
import { messageOf, quote } from '../text/errors.js'
import { MAX_STATE_BYTES } from './store.js'
import { isCount, STATE_FORMAT, STATE_VERSION, type AccountMemory, type PendingSeries, type RunState, type Snapshots } from './format.js'

/** The most JSON a state may unpack to: 10,000 accounts take about 5 MB. */
export const MAX_STATE_JSON_BYTES = 32 * 1024 * 1024
/** Limits of one field, far above what twitter-stats writes. */
const LIMITS = { key: 400, id: 200, name: 400, daily: 60, series: 200_000, points: 100, tags: 100, tag: 400, metric: 400 }
/** A time later than this after `now` is not one a run wrote: a day of clock skew is allowed. */
const FUTURE_SLACK_SECONDS = 86_400
const ACCOUNT_KEY = /^(x|bluesky|mastodon):[^\s]+$/

export type DecodedState = { kind: 'ok'; state: RunState } | { kind: 'unusable'; problem: string }

class Damage extends Error {}

/**
 * A damaged field: `path` is its place within what was being checked, and each caller puts its own place ahead of
 * it on the way out, so a place is built only for a damaged field (10,000 accounts have 200,000 fields).
 */
class Flaw extends Error {
  constructor(
    readonly path: string,
    readonly what: string
  ) {
    super(`${path} ${what}`)
  }
}

/** `error` with `place` ahead of its path when it is a Flaw; any other error as it is. */
function within(place: string, error: unknown): unknown {
  return error instanceof Flaw ? new Flaw(place + error.path, error.what) : error
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new Flaw(path, `is not a string of 1 to ${max} characters`)
  return value
}

const NOT_A_TIME = 'is not a time in Unix seconds up to now'

function isTime(value: unknown, now: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= now + FUTURE_SLACK_SECONDS
}

function time(value: unknown, path: string, now: number): number {
  if (!isTime(value, now)) throw new Flaw(path, NOT_A_TIME)
  return value
}

/**
 * How a state's `metrics` columns map onto METRIC_NAMES: undefined when they are the same (what twitter-stats
 * writes), so the parsed arrays are kept as they are; otherwise the index in METRIC_NAMES of each column.
 */
type Columns = { count: number; order: readonly number[] | undefined }

function columnsOf(metrics: readonly string[]): Columns {
  const same = metrics.length === METRIC_NAMES.length && metrics.every((name, i) => name === METRIC_NAMES[i])
  return { count: metrics.length, order: same ? undefined : metrics.map((name) => (METRIC_NAMES as readonly string[]).indexOf(name)) }
}

/**
 * A list of snapshots, checked in place (each its time, then `columns.count` counts or null): the parsed array
 * becomes the memory's, copied only for columns in another order. `most`: how many snapshots it may hold.
 */
function snapshots(value: unknown, columns: Columns, now: number, most: number): Snapshots {
  const length = 1 + columns.count
  if (!Array.isArray(value) || value.length % length !== 0 || value.length > most * length) {
    throw new Flaw('', `is not a list of at most ${most} snapshot(s) of ${length} numbers (a time, then ${columns.count} values)`)
  }
  const list = value as unknown[]
  let before = -1
  for (let start = 0; start < list.length; start += length) {
    const at = list[start]
    if (!isTime(at, now)) throw new Flaw(`[${start}]`, NOT_A_TIME)
    if (at <= before) throw new Flaw(`[${start}]`, 'is not later than the snapshot before it')
    before = at
    for (let i = start + 1; i < start + length; i++) {
      const n = list[i]
      if (n !== null && !isCount(n)) throw new Flaw(`[${i}]`, 'is not a count (a whole number, 0 or more, or null)')
    }
  }
  const { order } = columns
  if (order === undefined) return list as Snapshots
  const copy: (number | null)[] = []
  for (let start = 0; start < list.length; start += length) {
    const values: (number | null)[] = METRIC_NAMES.map(() => null)
    order.forEach((index, i) => (values[index] = list[start + 1 + i] as number | null))
    copy.push(list[start] as number, ...values)
  }
  return copy
}

function account(value: unknown, columns: Columns, now: number): AccountMemory {
  if (!isRecord(value)) throw new Flaw('', 'is not an object')
  let last: Snapshots
  let daily: Snapshots
  try {
    last = snapshots(value.last, columns, now, 1)
    if (last.length === 0) throw new Flaw('', 'holds no snapshot')
  } catch (error) {
    throw within('.last', error)
  }
  try {
    daily = snapshots(value.daily, columns, now, LIMITS.daily)
  } catch (error) {
    throw within('.daily', error)
  }
  const memory: AccountMemory = { last, daily }
  if (value.id !== undefined) memory.id = text(value.id, '.id', LIMITS.id)
  if (value.name !== undefined) memory.name = text(value.name, '.name', LIMITS.name)
  return memory
}

function series(value: unknown): Series {
  if (!isRecord(value) || value.type !== 3) throw new Flaw('', 'is not a gauge series')
  const metric = text(value.metric, '.metric', LIMITS.metric)
  if (!Array.isArray(value.points) || value.points.length === 0 || value.points.length > LIMITS.points) throw new Flaw('.points', 'is not a list of points')
  const points = value.points.map((point, i) => {
    if (!isRecord(point) || !Number.isSafeInteger(point.timestamp) || typeof point.value !== 'number' || !Number.isFinite(point.value)) {
      throw new Flaw(`.points[${i}]`, 'is not { timestamp, value }')
    }
    return { timestamp: point.timestamp as number, value: point.value }
  })
  if (!Array.isArray(value.tags) || value.tags.length > LIMITS.tags) throw new Flaw('.tags', 'is not a list of tags')
  const tags = value.tags.map((tag, i) => text(tag, `.tags[${i}]`, LIMITS.tag))
  return { metric, type: 3, points, tags }
}

function pending(value: unknown, now: number): PendingSeries {
  if (!isRecord(value) || !Array.isArray(value.series) || value.series.length > LIMITS.series) throw new Flaw('', 'is not { collectedAt, series }')
  const collectedAt = time(value.collectedAt, '.collectedAt', now)
  return {
    collectedAt,
    series: value.series.map((item, i) => {
      try {
        return series(item)
      } catch (error) {
        throw within(`.series[${i}]`, error)
      }
    })
  }
}

/** The JSON text of the bytes: gzip (what twitter-stats writes) or plain JSON (a state unpacked by hand). */
function unpack(bytes: Uint8Array): string {
  if (bytes.length > MAX_STATE_BYTES) throw new Damage(`is ${bytes.length} bytes, more than a state's ${MAX_STATE_BYTES}`)
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_STATE_JSON_BYTES }).toString('utf8')
    } catch (error) {
      throw new Damage(`cannot be unpacked (${messageOf(error)}): it is truncated or damaged`)
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json) as unknown
  } catch {
    throw new Damage(json.trimStart().startsWith('{') ? 'is not complete JSON: it is truncated or damaged' : 'is neither gzip nor JSON')
  }
}

function decode(bytes: Uint8Array, prefix: string, now: number): RunState {
  const root = parse(unpack(bytes))
  if (!isRecord(root) || root.format !== STATE_FORMAT) throw new Damage('was not written by twitter-stats (it has no "format": "twitter-stats state")')
  if (root.version !== STATE_VERSION) {
    const newer = typeof root.version === 'number' && root.version > STATE_VERSION
    throw new Damage(
      newer
        ? `was written by a newer twitter-stats (state version ${String(root.version)}; this one reads version ${STATE_VERSION})`
        : `has the unknown version ${quote(String(root.version))}`
    )
  }
  if (root.prefix !== prefix) {
    throw new Damage(`was written for the metric prefix ${quote(String(root.prefix))}, and this run's is ${quote(prefix)}`)
  }
  const metrics = root.metrics
  if (!Array.isArray(metrics) || metrics.some((c) => !(METRIC_NAMES as readonly unknown[]).includes(c)) || new Set(metrics).size !== metrics.length) {
    throw new Flaw('metrics', 'is not a list of metric names')
  }
  const columns = columnsOf(metrics as string[])
  const writtenAt = time(root.writtenAt, 'writtenAt', now)
  if (!isRecord(root.accounts)) throw new Flaw('accounts', 'is not an object')
  const accounts = new Map<string, AccountMemory>()
  for (const [key, value] of Object.entries(root.accounts)) {
    if (key.length > LIMITS.key || !ACCOUNT_KEY.test(key)) throw new Flaw(`accounts ${quote(key)}`, 'is not network:account')
    try {
      accounts.set(key, account(value, columns, now))
    } catch (error) {
      throw within(`accounts[${quote(key)}]`, error)
    }
  }
  if (!Array.isArray(root.undelivered)) throw new Flaw('undelivered', 'is not a list')
  const undelivered = root.undelivered.map((item, i) => {
    try {
      return pending(item, now)
    } catch (error) {
      throw within(`undelivered[${i}]`, error)
    }
  })
  return { prefix, writtenAt, accounts, undelivered }
}

/**
 * Pure: the stored bytes as a state for a run of `prefix` at `now` (Unix seconds), or why they are not one.
 * `where` names the store for the problem ("the file state.json").
 */
export function decodeState(bytes: Uint8Array, prefix: string, now: number, where: string): DecodedState {
  try {
    return { kind: 'ok', state: decode(bytes, prefix, now) }
  } catch (error) {
    if (!(error instanceof Damage) && !(error instanceof Flaw)) throw error
    const what = error instanceof Flaw ? `is damaged: ${error.path} ${error.what}` : error.message
    return { kind: 'unusable', problem: `The state in ${where} ${what}. This run delivers as if there were no state and replaces it with its own at the end.` }
  }
}
