/** The one parser: raw settings in, one Config out, every problem found before any request is sent. */
import type { Account, MetricName } from '../model.js'
import { parseEntryLists, type AccountList } from './accounts.js'
import type { ListEntry } from './list-entries.js'
import { describeSetting, defaultOf, type RawSettings } from './settings.js'
import { ConfigError, quote } from '../text/errors.js'
import { isSiteUrl, knownSite, siteApiUrl } from '../datadog/site.js'
import { DEFAULT_POLICY, type RetryPolicy } from '../http/retry.js'
import { parseMetricNames, parseTags, validateMetricPrefix } from '../series/metrics.js'
import type { StateLocation } from '../state/store.js'
import { parseS3Uri } from './s3-uri.js'
import { parseMonitorSettings } from './monitor-settings.js'
import type { MonitorSettings } from '../datadog/monitor-definitions.js'

export type XAuth =
  { kind: 'bearer'; token: string } | { kind: 'oauth1'; consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string }

export interface Config {
  accounts: Account[]
  /** Lists named in the account list (an X List, a Bluesky list or starter pack), expanded to their members on every run. */
  lists: ListEntry[]
  x: { auth: XAuth | undefined; apiUrl: string }
  bluesky: { apiUrl: string }
  /** undefined: each account's own instance. */
  mastodon: { apiUrl: string | undefined }
  datadog: { apiKey: string | undefined; site: string; baseUrl: string }
  metricPrefix: string
  tags: string[]
  dryRun: boolean
  policy: RetryPolicy
  /** The whole run's bound (run-timeout): see src/run/deadline.ts. */
  runTimeoutMs: number
  concurrency: number
  /** Opt-in extras that need a Datadog application key: metric metadata, the dashboard, and the monitors (undefined: not asked for). */
  datadogApp: { appKey: string | undefined; dashboard: boolean; monitors: MonitorSettings | undefined }
  /** The account metrics sent, in the Metrics table's order. */
  metrics: MetricName[]
  /** Whether the collector's own `{prefix}.collector.*` series are sent. */
  selfMonitoring: boolean
  /** Where runs keep their memory; undefined when not given (the action then uses the cache, the CLI and the Lambda none). */
  state: StateLocation | undefined
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** Checks a URL setting: https anywhere, plain http only to loopback, so keys never travel unencrypted. */
export function validateBaseUrl(value: string, name: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError([`\`${name}\` ${quote(value)} is not a URL; use for example "https://api.example.com".`])
  }
  if (url.username || url.password) {
    throw new ConfigError([`\`${name}\` must not carry a user name or password in the URL; credentials go in their own secret settings.`])
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError([
      `\`${name}\` uses plain http:// to ${quote(url.host)}: keys would travel unencrypted. Use https://, or http:// only for 127.0.0.1, localhost or [::1].`
    ])
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError([`\`${name}\` must be an https:// URL, not ${quote(url.protocol)}.`])
  }
  if (url.search || url.hash) {
    throw new ConfigError([`\`${name}\` must not have a query or fragment: give the base URL only.`])
  }
  return url.toString().replace(/\/+$/, '')
}

/** A Datadog site name becomes https://api.<site>; a full URL (a proxy) is used as the base. */
export function datadogBaseUrl(site: string): string {
  return isSiteUrl(site) ? validateBaseUrl(site, 'datadog-site') : siteApiUrl(knownSite(site))
}

function parseBoolean(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (/^(true|yes|1|on)$/i.test(value)) return true
  if (/^(false|no|0|off)$/i.test(value)) return false
  throw new ConfigError([`\`${name}\` is ${quote(value)}; use true or false.`])
}

function parseNumber(value: string | undefined, name: string, fallback: string, min: number, max: number): number {
  const text = value ?? fallback
  const number = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(number) || number < min || number > max) {
    throw new ConfigError([`\`${name}\` is ${quote(text)}; use a number from ${min} to ${max}.`])
  }
  return number
}

const OAUTH_KEYS = ['xConsumerKey', 'xConsumerSecret', 'xAccessToken', 'xAccessTokenSecret'] as const

/** What the X credential settings amount to: a usable credential, none at all, or an incomplete OAuth set. */
type XAuthSettings = { kind: 'given'; auth: XAuth } | { kind: 'none' } | { kind: 'incomplete'; problem: string }

function parseXAuth(raw: RawSettings): XAuthSettings {
  if (raw.xBearerToken) return { kind: 'given', auth: { kind: 'bearer', token: raw.xBearerToken } }
  const { xConsumerKey: consumerKey, xConsumerSecret: consumerSecret, xAccessToken: accessToken, xAccessTokenSecret: accessTokenSecret } = raw
  if (consumerKey && consumerSecret && accessToken && accessTokenSecret) {
    return { kind: 'given', auth: { kind: 'oauth1', consumerKey, consumerSecret, accessToken, accessTokenSecret } }
  }
  const missing = OAUTH_KEYS.filter((key) => !raw[key]).map((key) => describeSetting(key))
  if (missing.length === OAUTH_KEYS.length) return { kind: 'none' }
  return {
    kind: 'incomplete',
    problem: `the OAuth 1.0a keys for X are incomplete: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Set all four, or use x-bearer-token instead.`
  }
}

/**
 * The `state` setting: none, cache, s3://bucket/key, or a path (the adapter decides what it is relative to).
 * Checked here so a typo is refused before any request, not found when the state is written at the end.
 */
export function parseStateLocation(value: string | undefined): StateLocation | undefined {
  if (value === undefined) return undefined
  const word = value.toLowerCase()
  if (word === 'none') return { kind: 'none' }
  if (word === 'cache') return { kind: 'cache' }
  if (/^s3:/i.test(value)) return { kind: 's3', uri: parseS3Uri(value, '`state`', 's3://my-bucket/twitter-stats/state.json').uri }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError([`\`state\` ${quote(value)} is a URL the state cannot be kept at: use none, cache, s3://bucket/key or a file path.`])
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new ConfigError([`\`state\` ${quote(value)} has a control character: give a file path, none, cache or s3://bucket/key.`])
  if (/[/\\]$/.test(value) || value === '.' || value === '..') {
    throw new ConfigError([`\`state\` ${quote(value)} names a folder: give a file path, for example "twitter-stats-state.json".`])
  }
  return { kind: 'file', path: value }
}

/** A value every parse step produced; only a bug in this file could leave one out without a problem. */
function parsed<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the setting ${name} was not parsed, and no problem was reported`)
  return value
}

/**
 * The one parser. Every problem is found before any request is sent, and all of them are
 * reported at once so a user fixes the configuration in one go. `lists` are account lists the adapter
 * read from elsewhere (a file, an S3 object), merged with the `accounts` setting.
 */
export function parseConfig(raw: RawSettings, lists: AccountList[] = []): Config {
  const problems: string[] = []
  function attempt<T>(parse: () => T): T | undefined {
    try {
      return parse()
    } catch (error) {
      if (error instanceof ConfigError) {
        problems.push(...error.problems)
        return undefined
      }
      throw error
    }
  }

  const entries = attempt(() => {
    const all: AccountList[] = [...(raw.accounts ? [{ source: '`accounts`', text: raw.accounts }] : []), ...lists]
    if (all.length === 0) {
      throw new ConfigError([
        `${describeSetting('accounts')} or ${describeSetting('accountsFile')} is required: list the accounts to collect, for example "jack, nasa", or name a file that lists them, one or more a line.`
      ])
    }
    return parseEntryLists(all)
  })
  const accounts = entries?.accounts
  const dryRun = attempt(() => parseBoolean(raw.dryRun, 'dry-run', false)) ?? false
  const xAuth = parseXAuth(raw)
  if (xAuth.kind === 'incomplete') problems.push(xAuth.problem)
  const auth = xAuth.kind === 'given' ? xAuth.auth : undefined
  // An X List is read with the same credentials as the accounts.
  const xEntries = [
    ...(accounts ?? []).filter((a) => a.network === 'x').map((a) => a.handle),
    ...(entries?.lists ?? []).filter((l) => l.network === 'x').map((l) => l.entry)
  ]
  if (xEntries.length > 0 && xAuth.kind === 'none') {
    problems.push(
      `X credentials are missing for the X accounts in the list (${xEntries.slice(0, 5).join(', ')}${xEntries.length > 5 ? ', …' : ''}): set ${describeSetting('xBearerToken')}, or all four OAuth 1.0a keys (x-consumer-key, x-consumer-secret, x-access-token, x-access-token-secret). Bluesky and Mastodon accounts need no credentials.`
    )
  }
  const apiKey = raw.datadogApiKey
  if (!dryRun && !apiKey) {
    problems.push(`${describeSetting('datadogApiKey')} is required to send metrics; set it, or set dry-run to true to only print them.`)
  }
  const site = raw.datadogSite ?? defaultOf('datadogSite')
  const baseUrl = attempt(() => datadogBaseUrl(site))
  const xApiUrl = attempt(() => validateBaseUrl(raw.xApiUrl ?? defaultOf('xApiUrl'), 'x-api-url'))
  const blueskyApiUrl = attempt(() => validateBaseUrl(raw.blueskyApiUrl ?? defaultOf('blueskyApiUrl'), 'bluesky-api-url'))
  const mastodonSetting = raw.mastodonApiUrl
  const mastodonApiUrl = mastodonSetting ? attempt(() => validateBaseUrl(mastodonSetting, 'mastodon-api-url')) : undefined
  const metricPrefix = attempt(() => validateMetricPrefix(raw.metricPrefix ?? defaultOf('metricPrefix')))
  const tags = attempt(() => parseTags(raw.tags ?? ''))
  const maxWait = attempt(() => parseNumber(raw.rateLimitMaxWait, 'rate-limit-max-wait', defaultOf('rateLimitMaxWait'), 0, 86_400))
  const timeout = attempt(() => parseNumber(raw.requestTimeout, 'request-timeout', defaultOf('requestTimeout'), 0.1, 600))
  const runTimeout = attempt(() => parseNumber(raw.runTimeout, 'run-timeout', defaultOf('runTimeout'), 1, 86_400))
  const maxRetries = attempt(() => parseNumber(raw.maxRetries, 'max-retries', defaultOf('maxRetries'), 0, 10))
  const concurrency = attempt(() => parseNumber(raw.concurrency, 'concurrency', defaultOf('concurrency'), 1, 64))
  const dashboard = attempt(() => parseBoolean(raw.datadogDashboard, 'datadog-dashboard', false)) ?? false
  const monitors = attempt(() => parseBoolean(raw.datadogMonitors, 'datadog-monitors', false)) ?? false
  const monitorSettings = attempt(() => parseMonitorSettings(raw))
  const metrics = attempt(() => parseMetricNames(raw.metrics ?? defaultOf('metrics')))
  const selfMonitoring = attempt(() => parseBoolean(raw.selfMonitoring, 'self-monitoring', true)) ?? true
  const state = attempt(() => parseStateLocation(raw.state))
  if (dashboard && !dryRun && !raw.datadogAppKey) {
    problems.push(
      `datadog-dashboard is true but ${describeSetting('datadogAppKey')} is missing: the dashboards API needs an application key with the dashboards_read and dashboards_write permissions. Set it, or set datadog-dashboard to false.`
    )
  }
  if (monitors && !dryRun && !raw.datadogAppKey) {
    problems.push(
      `datadog-monitors is true but ${describeSetting('datadogAppKey')} is missing: the monitors API needs an application key with the monitors_read and monitors_write permissions. Set it, or set datadog-monitors to false.`
    )
  }

  if (problems.length > 0) throw new ConfigError(problems)
  return {
    accounts: parsed(accounts, 'accounts'),
    lists: parsed(entries, 'accounts').lists,
    x: { auth, apiUrl: parsed(xApiUrl, 'x-api-url') },
    bluesky: { apiUrl: parsed(blueskyApiUrl, 'bluesky-api-url') },
    mastodon: { apiUrl: mastodonApiUrl },
    datadog: { apiKey, site, baseUrl: parsed(baseUrl, 'datadog-site') },
    metricPrefix: parsed(metricPrefix, 'metric-prefix'),
    tags: parsed(tags, 'tags'),
    dryRun,
    policy: {
      ...DEFAULT_POLICY,
      maxRetries: Math.floor(parsed(maxRetries, 'max-retries')),
      timeoutMs: Math.round(parsed(timeout, 'request-timeout') * 1000),
      maxRateLimitWaitMs: Math.round(parsed(maxWait, 'rate-limit-max-wait') * 1000)
    },
    runTimeoutMs: Math.round(parsed(runTimeout, 'run-timeout') * 1000),
    concurrency: Math.floor(parsed(concurrency, 'concurrency')),
    datadogApp: { appKey: raw.datadogAppKey, dashboard, monitors: monitors ? parsed(monitorSettings, 'the monitor settings') : undefined },
    metrics: parsed(metrics, 'metrics'),
    selfMonitoring,
    state
  }
}
