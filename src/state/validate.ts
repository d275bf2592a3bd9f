/**
 * The state is input like any other: bounded, parsed defensively, every field checked. Anything that is not a
 * state this run can use (damaged, truncated, foreign, newer, another prefix) is one problem in plain words, and
 * the run goes on as if it had none.
 */
import { gunzipSync } from 'node:zlib'
import { METRIC_NAMES, type MetricName, type Series } from '../series/metrics.js'
import { messageOf, quote } from '../text/errors.js'
import { MAX_STATE_BYTES } from './store.js'
import { STATE_FORMAT, STATE_VERSION, type AccountMemory, type PendingSeries, type RunState, type Snapshot } from './format.js'

/** The most JSON a state may unpack to: 10,000 accounts take about 5 MB. */
export const MAX_STATE_JSON_BYTES = 32 * 1024 * 1024
/** Limits of one field, far above what twitter-stats writes. */
const LIMITS = { key: 400, id: 200, name: 400, daily: 60, series: 200_000, points: 100, tags: 100, tag: 400, metric: 400 }
/** A time later than this after `now` is not one a run wrote: a day of clock skew is allowed. */
const FUTURE_SLACK_SECONDS = 86_400
const ACCOUNT_KEY = /^(x|bluesky|mastodon):[^\s]+$/

export type DecodedState = { kind: 'ok'; state: RunState } | { kind: 'unusable'; problem: string }

class Damage extends Error {}

/** Where in the state a field is, built only when it is damaged: 10,000 accounts have 200,000 fields. */
type Where = () => string

function at(where: Where, suffix: string): Where {
  return () => where() + suffix
}

function fail(where: Where | string, what: string): never {
  throw new Damage(`is damaged: ${typeof where === 'string' ? where : where()} ${what}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown, where: Where, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) fail(where, `is not a string of 1 to ${max} characters`)
  return value
}

/** `suffix`: the field's place within `where`, joined to it only when the field is damaged. */
function time(value: unknown, where: Where | string, now: number, suffix = ''): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > now + FUTURE_SLACK_SECONDS)
    fail(typeof where === 'string' ? where + suffix : at(where, suffix), 'is not a time in Unix seconds up to now')
  return value as number
}

/** A snapshot's values, checked; the place of a damaged one is built only then (a state has 60,000 of them). */
function snapshot(value: unknown, where: Where, columns: readonly string[], now: number): Snapshot {
  if (!Array.isArray(value) || value.length !== 2 || !Array.isArray(value[1]) || value[1].length !== columns.length) {
    fail(where, `is not [time, [${columns.length} values]]`)
  }
  const values: Snapshot['values'] = {}
  const counts = value[1] as unknown[]
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]
    if (n === null) continue
    if (!Number.isSafeInteger(n) || (n as number) < 0) fail(at(where, `[1][${i}]`), 'is not a count (a whole number, 0 or more, or null)')
    values[columns[i] as MetricName] = n as number
  }
  return { at: time(value[0], where, now, '[0]'), values }
}

function account(value: unknown, where: Where, columns: readonly string[], now: number): AccountMemory {
  if (!isRecord(value)) fail(where, 'is not an object')
  const memory: AccountMemory = { last: snapshot(value.last, at(where, '.last'), columns, now), daily: [] }
  if (value.id !== undefined) memory.id = text(value.id, at(where, '.id'), LIMITS.id)
  if (value.name !== undefined) memory.name = text(value.name, at(where, '.name'), LIMITS.name)
  if (!Array.isArray(value.daily) || value.daily.length > LIMITS.daily) fail(at(where, '.daily'), `is not a list of at most ${LIMITS.daily} snapshots`)
  memory.daily = value.daily.map((item, i) => snapshot(item, at(where, `.daily[${i}]`), columns, now))
  for (let i = 1; i < memory.daily.length; i++) {
    if ((memory.daily[i]?.at ?? 0) <= (memory.daily[i - 1]?.at ?? 0)) fail(at(where, '.daily'), 'is not in time order')
  }
  return memory
}

function series(value: unknown, where: Where): Series {
  if (!isRecord(value) || value.type !== 3) fail(where, 'is not a gauge series')
  const metric = text(value.metric, at(where, '.metric'), LIMITS.metric)
  if (!Array.isArray(value.points) || value.points.length === 0 || value.points.length > LIMITS.points) fail(at(where, '.points'), 'is not a list of points')
  const points = value.points.map((point, i) => {
    if (!isRecord(point) || !Number.isSafeInteger(point.timestamp) || typeof point.value !== 'number' || !Number.isFinite(point.value)) {
      fail(at(where, `.points[${i}]`), 'is not { timestamp, value }')
    }
    return { timestamp: point.timestamp as number, value: point.value }
  })
  if (!Array.isArray(value.tags) || value.tags.length > LIMITS.tags) fail(at(where, '.tags'), 'is not a list of tags')
  const tags = value.tags.map((tag, i) => text(tag, at(where, `.tags[${i}]`), LIMITS.tag))
  return { metric, type: 3, points, tags }
}

function pending(value: unknown, where: Where, now: number): PendingSeries {
  if (!isRecord(value) || !Array.isArray(value.series) || value.series.length > LIMITS.series) fail(where, 'is not { collectedAt, series }')
  return {
    collectedAt: time(value.collectedAt, at(where, '.collectedAt'), now),
    series: value.series.map((item, i) => series(item, at(where, `.series[${i}]`)))
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
  const columns = root.metrics
  if (!Array.isArray(columns) || columns.some((c) => !(METRIC_NAMES as readonly unknown[]).includes(c)) || new Set(columns).size !== columns.length) {
    fail('metrics', 'is not a list of metric names')
  }
  const writtenAt = time(root.writtenAt, 'writtenAt', now)
  if (!isRecord(root.accounts)) fail('accounts', 'is not an object')
  const accounts = new Map<string, AccountMemory>()
  for (const [key, value] of Object.entries(root.accounts)) {
    if (key.length > LIMITS.key || !ACCOUNT_KEY.test(key)) fail(`accounts ${quote(key)}`, 'is not network:account')
    accounts.set(
      key,
      account(value, () => `accounts[${quote(key)}]`, columns as string[], now)
    )
  }
  if (!Array.isArray(root.undelivered)) fail('undelivered', 'is not a list')
  const undelivered = root.undelivered.map((item, i) => pending(item, () => `undelivered[${i}]`, now))
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
    if (!(error instanceof Damage)) throw error
    return {
      kind: 'unusable',
      problem: `The state in ${where} ${error.message}. This run delivers as if there were no state and replaces it with its own at the end.`
    }
  }
}
