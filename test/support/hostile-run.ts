/**
 * Runs the BUILT action and command line (dist/) against hostile stand-ins on 127.0.0.1, and checks what every
 * hostile case must show whatever the fault (issue 10): nothing "stopped unexpectedly", peak RSS under 256 MB,
 * the run ends within run-timeout plus a grace, no key reaches a host it was not meant for or any output (in any
 * spelling), no line of foreign text the runner would read as a command, and every series collected was
 * accepted by Datadog or is in the re-sendable body. Used by hostile-transport and hostile-content.
 */
import { expect } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Series } from '../../src/model.js'
import { datadogTag, type MetricRecord } from '../../src/series/metrics.js'
import { DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn } from './datadog-api-stand-in.js'
import { startBlueskyStandIn, startMastodonStandIn } from './network-stand-ins.js'
import { ROOT, runBuiltAction as runAction, runNode } from './run-action.js'
import { isRunnerCommand } from './runner-commands.js'
import { DD_KEY, X_TOKEN, metricsFor, start, startXStandIn, type StandIn, type XStandIn } from './stand-ins.js'

/**
 * Node's start, the bundle's load and delivery's floor of 5 s (src/run/deadline.ts) on top of run-timeout, on a
 * 2-core machine shared by many (a run that takes 1.3 s of CPU has taken 7 s of wall time there).
 */
export const GRACE_MS = 10_000
export const MAX_RSS_KB = 256 * 1024
export const KEYS = [X_TOKEN, DD_KEY, DD_APP_KEY]
export const ACCOUNTS = 'jack nasa alice.bsky.social anna@one.social'
/** Series per network when all is well: jack and nasa have six metrics each on X, alice and anna three. */
export const SERIES: Record<string, number> = { x: 12, bluesky: 3, mastodon: 3 }
export const ALICE = { did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', handle: 'alice.bsky.social', followersCount: 700, followsCount: 70, postsCount: 7000 }

export interface World {
  x: XStandIn
  bsky: StandIn
  masto: StandIn
  dd: DatadogApiStandIn
  /** Another host: where redirects point. Nothing may ever reach it. */
  other: StandIn
  close(): Promise<void>
}

export async function startWorld(xUsers: Parameters<typeof startXStandIn>[0] = { jack: metricsFor(1), nasa: metricsFor(2) }): Promise<World> {
  const [x, bsky, masto, dd, other] = await Promise.all([
    startXStandIn(xUsers),
    startBlueskyStandIn([ALICE]),
    startMastodonStandIn([{ username: 'anna', followers_count: 300, following_count: 30, statuses_count: 3000 }]),
    startDatadogApiStandIn(),
    start(() => ({ status: 202, body: '{"errors":[]}' }))
  ])
  const all = [x, bsky, masto, dd, other]
  return { x, bsky, masto, dd, other, close: async () => void (await Promise.all(all.map((s) => s.close()))) }
}

export interface Outcome {
  code: number | null
  stdout: string
  stderr: string
  /** stdout and stderr, without the ::add-mask:: lines (which name the keys on purpose). */
  text: string
  /** Everything else the run left for others to read: the output file and summary (action), the --json report (CLI). */
  outputs: string
  summary: string
  /** The parsed GITHUB_OUTPUT of the action; for the CLI, its --json report's counts. */
  collected?: number
  failed?: number
  records: MetricRecord[]
  undelivered: Series[]
  elapsedMs: number
  maxRssKb: number
}

export type Runner = (settings: Record<string, string>, env?: Record<string, string>) => Promise<Outcome>

/** The usual settings against a world: every URL a stand-in, short timeouts. */
export function settingsFor(w: World, base: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    accounts: ACCOUNTS,
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': w.dd.url,
    'x-api-url': w.x.url,
    'bluesky-api-url': w.bsky.url,
    'mastodon-api-url': w.masto.url,
    ...base,
    ...extra
  }
}

const withoutMasks = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')

/** Runs `run` with the max-rss preload, and adds its wall time and the child's peak RSS (kilobytes). */
async function measured<T>(run: (nodeArgs: string[], env: Record<string, string>) => Promise<T>): Promise<T & { elapsedMs: number; maxRssKb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-rss-'))
  try {
    const rssFile = join(dir, 'max-rss')
    const started = Date.now()
    const result = await run(['--import', join(ROOT, 'test', 'support', 'max-rss.mjs')], { MAX_RSS_FILE: rssFile })
    return { ...result, elapsedMs: Date.now() - started, maxRssKb: Number(readFileSync(rssFile, 'utf8')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The built action, as the runner starts it (test/support/run-action.ts). `env` adds to or replaces the runner's. */
export const runBuiltAction: Runner = async (settings, extraEnv = {}) => {
  const run = await measured((nodeArgs, env) => runAction(settings, { ...env, ...extraEnv }, join(ROOT, 'dist', 'index.js'), nodeArgs))
  const { outputs } = run
  const count = (name: string): number | undefined => (outputs[name] === undefined ? undefined : Number(outputs[name]))
  return {
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr,
    text: withoutMasks(`${run.stdout}\n${run.stderr}`),
    outputs: [...Object.entries(outputs).map(([name, value]) => `${name}=${value}`), run.undelivered ?? '', run.metricsFile ?? ''].join('\n'),
    summary: run.summary,
    collected: count('accounts-collected'),
    failed: count('accounts-failed'),
    records: run.metricsFile ? (JSON.parse(run.metricsFile) as MetricRecord[]) : [],
    undelivered: run.undelivered ? (JSON.parse(run.undelivered) as { series: Series[] }).series : [],
    elapsedMs: run.elapsedMs,
    maxRssKb: run.maxRssKb
  }
}

/** The built command line with --json: the same settings as environment variables. */
export const runBuiltCommandLine: Runner = async (settings, extraEnv = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-hostile-'))
  try {
    const vars = Object.fromEntries(Object.entries(settings).map(([name, value]) => [name.toUpperCase().replace(/-/g, '_'), value]))
    const run = await measured((nodeArgs, env) =>
      runNode([...nodeArgs, join(ROOT, 'dist', 'cli.js'), '--json'], { PATH: process.env.PATH, TMPDIR: dir, ...vars, ...extraEnv, ...env })
    )
    const report = JSON.parse(run.stdout) as { records?: MetricRecord[]; undeliveredFile?: string; collected?: number; failed?: number }
    const undelivered = report.undeliveredFile ? readFileSync(report.undeliveredFile, 'utf8') : ''
    return {
      code: run.code,
      stdout: run.stdout,
      stderr: run.stderr,
      text: `${run.stdout}\n${run.stderr}`,
      outputs: `${run.stdout}\n${undelivered}`,
      summary: '',
      collected: report.collected,
      failed: report.failed,
      records: report.records ?? [],
      undelivered: undelivered ? (JSON.parse(undelivered) as { series: Series[] }).series : [],
      elapsedMs: run.elapsedMs,
      maxRssKb: run.maxRssKb
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const RUNNERS: [string, Runner][] = [
  ['the built action', runBuiltAction],
  ['the built command line', runBuiltCommandLine]
]

type SeriesLike = Pick<Series, 'metric' | 'points' | 'tags'>

/** A record's series: same metric, value and time, tagged with its network and account. */
export function seriesOf(record: MetricRecord, series: SeriesLike[]): SeriesLike | undefined {
  const account = datadogTag('account', record.account)
  return series.find(
    (s) =>
      s.metric === record.metric &&
      s.points[0]?.value === record.value &&
      s.points[0]?.timestamp === record.timestamp &&
      s.tags.includes(`network:${record.network}`) &&
      s.tags.includes(account)
  )
}

/** Series Datadog accepted for a network, the collector's own left out. */
export const delivered = (w: World, network: string): number =>
  w.dd.series.filter((s) => s.tags.includes(`network:${network}`) && !s.metric.includes('.collector.')).length

export const othersDelivered = (w: World, networks: string[]): void => {
  for (const network of networks) expect([network, delivered(w, network)]).toEqual([network, SERIES[network]])
}

/**
 * Text with every echo spelling of a key turned back into the key: \u escapes, %-encoding, HTML character
 * references (also once escaped as &amp;), so a key hidden in any of them is found by a plain search.
 */
export function decodeEchoes(text: string): string {
  let out = text
  for (let round = 0; round < 2; round++) {
    out = out
      .replace(/&amp;/g, '&')
      .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      .replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
  }
  return out
}

/** The spellings an attacker echoes a key in: raw, JSON-escaped, every character \u-escaped, every byte %-encoded. */
export function echoForms(key: string): string[] {
  const u = [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
  const pct = [...Buffer.from(key)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  return [key, JSON.stringify(key).slice(1, -1), u, pct, pct.toLowerCase()]
}

/** Every spelling of echoForms in one text. */
export const echoes = (key: string): string => echoForms(key).join(' | ')

/** A marker every injected command carries, so a line the runner would act on can be told from our own. */
export const INJECTED = 'INJECTED-by-a-hostile-server'

const OUR_COMMANDS = new Set(['add-mask', 'error', 'warning', 'notice', 'group', 'endgroup', 'debug'])

/**
 * No line of stdout/stderr that the runner would read as a command came from foreign text: every command line
 * is one of ours, masks only our keys, and carries the marker nowhere in its name or properties, nor at the
 * start of its message.
 */
export function expectNoForeignCommands(o: Outcome): void {
  for (const line of `${o.stdout}\n${o.stderr}`.split(/\r?\n|\r/)) {
    expect(line.includes('##[') && line.includes(INJECTED) ? line : 'no ##[ line').toBe('no ##[ line')
    if (!isRunnerCommand(line)) continue
    const command = /^\s*::([^ :]*)([^:]*)::(.*)$/.exec(line)
    expect(command ? 'parsed' : line).toBe('parsed')
    if (!command) continue
    const [, name = '', props = '', message = ''] = command
    expect([line, OUR_COMMANDS.has(name)]).toEqual([line, true])
    expect([line, props.includes(INJECTED) || message.startsWith(INJECTED)]).toEqual([line, false])
    if (name === 'add-mask') expect([line, KEYS.includes(message)]).toEqual([line, true])
  }
}

/** What every case must show, whatever the fault. */
export function expectBounded(o: Outcome, w: World, runTimeoutS: number): void {
  expect(o.text).not.toContain('stopped unexpectedly')
  expect(o.maxRssKb).toBeGreaterThan(0)
  expect(o.maxRssKb).toBeLessThan(MAX_RSS_KB)
  expect(o.elapsedMs).toBeLessThan(runTimeoutS * 1000 + GRACE_MS)
  // No key to any host but its own; nothing at all to the other host.
  expect(w.other.requests).toEqual([])
  const carries = (requests: StandIn['requests'], key: string): boolean => requests.some((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`.includes(key))
  for (const key of KEYS) {
    expect([key, carries(w.bsky.requests, key), carries(w.masto.requests, key)]).toEqual([key, false, false])
    for (const [where, text] of [
      ['log', o.text],
      ['outputs', o.outputs],
      ['summary', o.summary]
    ] as const) {
      expect([key, where, decodeEchoes(text).includes(key)]).toEqual([key, where, false])
    }
  }
  expect(carries(w.x.requests, DD_KEY) || carries(w.x.requests, DD_APP_KEY)).toBe(false)
  expect(carries(w.dd.requests, X_TOKEN)).toBe(false)
  expectNoForeignCommands(o)
  // Every series collected was accepted, or is in the re-sendable body.
  for (const record of o.records) {
    expect([record.account, record.metric, seriesOf(record, [...w.dd.series, ...o.undelivered]) !== undefined]).toEqual([record.account, record.metric, true])
  }
}
