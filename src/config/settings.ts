import { parseAccountLists, type Account, type AccountList } from './accounts.js'
import { ConfigError, quote } from '../text/errors.js'
import { isSiteUrl, knownSite, siteApiUrl } from '../datadog/site.js'
import { DEFAULT_POLICY, type RetryPolicy } from '../http/send.js'
import { parseMetricNames, parseTags, validateMetricPrefix, type MetricName } from '../series/metrics.js'

/**
 * The one table of settings: each has an action input name and an environment variable name,
 * read through the same parser by the action, the Lambda and the command line.
 */
export const SETTINGS = [
  {
    key: 'accounts',
    input: 'accounts',
    env: 'ACCOUNTS',
    secret: false,
    default: '',
    description:
      'Accounts to collect, separated by commas, semicolons, whitespace or newlines: X usernames (jack), Bluesky handles (alice.bsky.social) and Mastodon accounts (user@instance.social); profile URLs accepted.'
  },
  {
    key: 'accountsFile',
    input: 'accounts-file',
    env: 'ACCOUNTS_FILE',
    secret: false,
    default: '',
    description:
      'A file listing accounts, one or more a line (blank lines and # comments ignored), merged with accounts. A path relative to the workspace (the current directory on the command line, where - reads standard input).'
  },
  {
    key: 'xBearerToken',
    input: 'x-bearer-token',
    env: 'X_BEARER_TOKEN',
    secret: true,
    default: '',
    description: 'X API v2 app-only bearer token. Or use the four OAuth 1.0a keys below.'
  },
  { key: 'xConsumerKey', input: 'x-consumer-key', env: 'X_CONSUMER_KEY', secret: true, default: '', description: 'OAuth 1.0a consumer (API) key.' },
  { key: 'xConsumerSecret', input: 'x-consumer-secret', env: 'X_CONSUMER_SECRET', secret: true, default: '', description: 'OAuth 1.0a consumer (API) secret.' },
  { key: 'xAccessToken', input: 'x-access-token', env: 'X_ACCESS_TOKEN', secret: true, default: '', description: 'OAuth 1.0a access token.' },
  {
    key: 'xAccessTokenSecret',
    input: 'x-access-token-secret',
    env: 'X_ACCESS_TOKEN_SECRET',
    secret: true,
    default: '',
    description: 'OAuth 1.0a access token secret.'
  },
  {
    key: 'datadogApiKey',
    input: 'datadog-api-key',
    env: 'DATADOG_API_KEY',
    secret: true,
    default: '',
    description: 'Datadog API key. Required unless dry-run.'
  },
  {
    key: 'datadogSite',
    input: 'datadog-site',
    env: 'DATADOG_SITE',
    secret: false,
    default: 'datadoghq.com',
    description: 'Datadog site (datadoghq.eu, us3.datadoghq.com, …) or a full base URL to which /api/v2/series is appended.'
  },
  { key: 'metricPrefix', input: 'metric-prefix', env: 'METRIC_PREFIX', secret: false, default: 'twitter', description: 'Prefix of every metric name.' },
  { key: 'tags', input: 'tags', env: 'TAGS', secret: false, default: '', description: 'Extra tags for every series (key:value), comma or newline separated.' },
  {
    key: 'dryRun',
    input: 'dry-run',
    env: 'DRY_RUN',
    secret: false,
    default: 'false',
    description: 'Collect and print the series that would be sent; send nothing.'
  },
  {
    key: 'xApiUrl',
    input: 'x-api-url',
    env: 'X_API_URL',
    secret: false,
    default: 'https://api.x.com',
    description: 'Base URL of the X API (for proxies and testing).'
  },
  {
    key: 'blueskyApiUrl',
    input: 'bluesky-api-url',
    env: 'BLUESKY_API_URL',
    secret: false,
    default: 'https://public.api.bsky.app',
    description: 'Base URL of the Bluesky AppView (for proxies and testing).'
  },
  {
    key: 'mastodonApiUrl',
    input: 'mastodon-api-url',
    env: 'MASTODON_API_URL',
    secret: false,
    default: '',
    description: 'When set, the base URL used for every Mastodon instance instead of https://<instance> (for proxies and testing).'
  },
  {
    key: 'rateLimitMaxWait',
    input: 'rate-limit-max-wait',
    env: 'RATE_LIMIT_MAX_WAIT',
    secret: false,
    default: '900',
    description: 'Longest wait, in seconds, for a rate limit to reset before that batch fails (X windows are 15 minutes).'
  },
  {
    key: 'requestTimeout',
    input: 'request-timeout',
    env: 'REQUEST_TIMEOUT',
    secret: false,
    default: '30',
    description: 'Timeout of each HTTP request, in seconds.'
  },
  {
    key: 'runTimeout',
    input: 'run-timeout',
    env: 'RUN_TIMEOUT',
    secret: false,
    default: '600',
    description:
      'Longest run, in seconds. Retries, backoffs and rate-limit waits stop in time to send what was collected (the last quarter, at most 60 s, is kept for sending). In the Lambda the default is the time the function has left, less 20 s.'
  },
  {
    key: 'maxRetries',
    input: 'max-retries',
    env: 'MAX_RETRIES',
    secret: false,
    default: '3',
    description: 'Retries of a request after a 5xx answer, a timeout or a network error.'
  },
  {
    key: 'concurrency',
    input: 'concurrency',
    env: 'CONCURRENCY',
    secret: false,
    default: '8',
    description: 'Requests in flight at once, per service (Mastodon: instances at once, two requests each).'
  },
  {
    key: 'datadogAppKey',
    input: 'datadog-app-key',
    env: 'DATADOG_APP_KEY',
    secret: true,
    default: '',
    description: 'Datadog application key. When set, each metric gets its unit, short name and description (needs metrics_read and metrics_metadata_write).'
  },
  {
    key: 'datadogDashboard',
    input: 'datadog-dashboard',
    env: 'DATADOG_DASHBOARD',
    secret: false,
    default: 'false',
    description: 'Create or update the twitter-stats dashboard in Datadog on each run (needs datadog-app-key with dashboards_read and dashboards_write).'
  },
  {
    key: 'metrics',
    input: 'metrics',
    env: 'METRICS',
    secret: false,
    default: 'all',
    description:
      'The account metrics to send, comma or whitespace separated, by name without the prefix: followers_count, friends_count, status_count, listed_count, favourites_count, media_count; or all. Each metric per account is a Datadog custom metric.'
  },
  {
    key: 'selfMonitoring',
    input: 'self-monitoring',
    env: 'SELF_MONITORING',
    secret: false,
    default: 'true',
    description: "Send the collector's own series ({prefix}.collector.*: accounts collected and failed, run duration, rate limit) with each run."
  }
] as const satisfies readonly SettingSpec[]

export interface SettingSpec {
  key: string
  input: string
  env: string
  secret: boolean
  default: string
  description: string
}

export type SettingKey = (typeof SETTINGS)[number]['key']
export type RawSettings = Partial<Record<SettingKey, string>>

export type XAuth =
  { kind: 'bearer'; token: string } | { kind: 'oauth1'; consumerKey: string; consumerSecret: string; accessToken: string; accessTokenSecret: string }

export interface Config {
  accounts: Account[]
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
  /** Opt-in extras that need a Datadog application key: metric metadata, and the dashboard. */
  datadogApp: { appKey: string | undefined; dashboard: boolean }
  /** The account metrics sent, in the Metrics table's order. */
  metrics: MetricName[]
  /** Whether the collector's own `{prefix}.collector.*` series are sent. */
  selfMonitoring: boolean
}

/** Reads every setting with `read`, for example from action inputs or from environment variables. */
export function readSettings(read: (spec: SettingSpec) => string | undefined): RawSettings {
  const raw: RawSettings = {}
  for (const spec of SETTINGS) {
    const value = read(spec)?.trim()
    if (value) raw[spec.key] = value
  }
  return raw
}

export function readSettingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  return readSettings((spec) => env[spec.env])
}

/** The secret values present, to mask before anything is logged. */
export function secretValues(raw: RawSettings): string[] {
  return SETTINGS.filter((spec) => spec.secret)
    .map((spec) => raw[spec.key])
    .filter((value): value is string => value !== undefined && value.length > 0)
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

function specOf(key: SettingKey): SettingSpec {
  const spec: SettingSpec | undefined = SETTINGS.find((s) => s.key === key)
  if (!spec) throw new Error(`no setting ${key}`)
  return spec
}

function defaultOf(key: SettingKey): string {
  return specOf(key).default
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

/** A value every parse step produced; only a bug in this file could leave one out without a problem. */
function parsed<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the setting ${name} was not parsed, and no problem was reported`)
  return value
}

/** "x-consumer-key (X_CONSUMER_KEY)": both names, since the same parser serves inputs and variables. */
export function describeSetting(key: SettingKey): string {
  const spec = specOf(key)
  return `${spec.input} (${spec.env})`
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

  const accounts = attempt(() => {
    const all: AccountList[] = [...(raw.accounts ? [{ source: '`accounts`', text: raw.accounts }] : []), ...lists]
    if (all.length === 0) {
      throw new ConfigError([
        `${describeSetting('accounts')} or ${describeSetting('accountsFile')} is required: list the accounts to collect, for example "jack, nasa", or name a file that lists them, one or more a line.`
      ])
    }
    return parseAccountLists(all)
  })
  const dryRun = attempt(() => parseBoolean(raw.dryRun, 'dry-run', false)) ?? false
  const xAuth = parseXAuth(raw)
  if (xAuth.kind === 'incomplete') problems.push(xAuth.problem)
  const auth = xAuth.kind === 'given' ? xAuth.auth : undefined
  if (accounts?.some((a) => a.network === 'x') && xAuth.kind === 'none') {
    const xAccounts = accounts.filter((a) => a.network === 'x').map((a) => a.handle)
    problems.push(
      `X credentials are missing for the X accounts in the list (${xAccounts.slice(0, 5).join(', ')}${xAccounts.length > 5 ? ', …' : ''}): set ${describeSetting('xBearerToken')}, or all four OAuth 1.0a keys (x-consumer-key, x-consumer-secret, x-access-token, x-access-token-secret). Bluesky and Mastodon accounts need no credentials.`
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
  const metrics = attempt(() => parseMetricNames(raw.metrics ?? defaultOf('metrics')))
  const selfMonitoring = attempt(() => parseBoolean(raw.selfMonitoring, 'self-monitoring', true)) ?? true
  if (dashboard && !dryRun && !raw.datadogAppKey) {
    problems.push(
      `datadog-dashboard is true but ${describeSetting('datadogAppKey')} is missing: the dashboards API needs an application key with the dashboards_read and dashboards_write permissions. Set it, or set datadog-dashboard to false.`
    )
  }

  if (problems.length > 0) throw new ConfigError(problems)
  return {
    accounts: parsed(accounts, 'accounts'),
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
    datadogApp: { appKey: raw.datadogAppKey, dashboard },
    metrics: parsed(metrics, 'metrics'),
    selfMonitoring
  }
}
