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
      'Accounts to collect, separated by commas, semicolons, whitespace or newlines: X usernames (jack), Bluesky handles (alice.bsky.social) and Mastodon accounts (user@instance.social); profile URLs accepted; X Lists, Bluesky lists and starter packs by URL or x-list:ID, bluesky-list:HANDLE/KEY, bluesky-starter-pack:HANDLE/KEY (docs/lists.md).'
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
    key: 'datadogMonitors',
    input: 'datadog-monitors',
    env: 'DATADOG_MONITORS',
    secret: false,
    default: 'false',
    description:
      'Create or update the four twitter-stats monitors in Datadog on each run: collection stopped, accounts failing, followers lost, followers gained (needs datadog-app-key with monitors_read and monitors_write).'
  },
  {
    key: 'followersLostAlertPercent',
    input: 'followers-lost-alert-percent',
    env: 'FOLLOWERS_LOST_ALERT_PERCENT',
    secret: false,
    default: '10',
    description:
      "The followers-lost monitor alerts when an account's followers fall by more than this percent in a day (above 0, below 100), or off for no such monitor."
  },
  {
    key: 'followersGainedAlertPercent',
    input: 'followers-gained-alert-percent',
    env: 'FOLLOWERS_GAINED_ALERT_PERCENT',
    secret: false,
    default: '10',
    description:
      "The followers-gained monitor alerts when an account's followers grow by more than this percent in a day (above 0, at most 1000), or off for no such monitor."
  },
  {
    key: 'datadogMonitorNotify',
    input: 'datadog-monitor-notify',
    env: 'DATADOG_MONITOR_NOTIFY',
    secret: false,
    default: '',
    description:
      'Notification handles added to the message of every monitor datadog-monitors sets up, separated by spaces, each starting with @ (for example @slack-social @ops@example.com).'
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
  },
  {
    key: 'state',
    input: 'state',
    env: 'STATE',
    secret: false,
    default: '',
    description:
      "Where runs keep their memory (the change since the previous run, over a day and a week; series Datadog did not accept; account ids): cache (the Actions cache, the action's default), a file path (relative to the workspace in the action), s3://bucket/key (the Lambda), or none. The command line and the Lambda keep none unless this is set. See docs/state.md."
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

export function specOf(key: SettingKey): SettingSpec {
  const spec: SettingSpec | undefined = SETTINGS.find((s) => s.key === key)
  if (!spec) throw new Error(`no setting ${key}`)
  return spec
}

export function defaultOf(key: SettingKey): string {
  return specOf(key).default
}

/** "x-consumer-key (X_CONSUMER_KEY)": both names, since the same parser serves inputs and variables. */
export function describeSetting(key: SettingKey): string {
  const spec = specOf(key)
  return `${spec.input} (${spec.env})`
}
