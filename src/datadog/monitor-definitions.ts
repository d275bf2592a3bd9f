/**
 * The four monitors twitter-stats recommends, as pure functions of the metric prefix and the settings: committed
 * under docs/monitors/ with the defaults, and provisioned by datadog-monitors (monitors.ts).
 */
import { collectorMetricName } from '../series/self-monitoring.js'

/** The monitors' evaluation window, in minutes: two runs of the default 15-minute schedule. */
export const MONITOR_WINDOW_MINUTES = 30

/** A change of an account's followers over a day, in percent, that the followers-lost and followers-gained monitors alert on by default. */
export const FOLLOWER_CHANGE_ALERT_PERCENT = 10

export const MONITOR_NAMES = ['collection-stopped', 'account-failing', 'followers-lost', 'followers-gained'] as const
export type MonitorName = (typeof MONITOR_NAMES)[number]

/** A monitor as POST /api/v1/monitor takes it (and PUT /api/v1/monitor/{id}); only the fields twitter-stats writes. */
export interface MonitorBody {
  name: string
  type: 'metric alert'
  query: string
  message: string
  tags: string[]
  options: Record<string, unknown>
}

/** What the settings make of the monitors; a follower threshold left undefined means that monitor is off. */
export interface MonitorSettings {
  followersLostPercent: number | undefined
  followersGainedPercent: number | undefined
  /** Notification handles (`@slack-social`), each checked to start with @. */
  notify: string[]
}

export interface MonitorOptions {
  followersLostPercent: number
  followersGainedPercent: number
  notify: string[]
  /** Provisioned by datadog-monitors: the message says edits are replaced. */
  managed: boolean
}

/** The tag keys that find a monitor again: the prefix it watches and which of the four it is. */
export const PREFIX_TAG = 'twitter-stats-prefix'
export const MONITOR_TAG = 'twitter-stats-monitor'

const TAG_MAX = 200

/**
 * The value of the tag that names the prefix, in lower case since Datadog lowercases tags: an upper-case letter is
 * written as "-" and the letter ("-" is never in a prefix), so "Social" and "social" stay two sets of monitors.
 */
export function prefixTagValue(prefix: string): string {
  const value = prefix.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
  if (`${PREFIX_TAG}:${value}`.length <= TAG_MAX) return value
  // Past Datadog's 200 characters a tag is cut: keep it unique with a hash of the whole prefix.
  let hash = 0x811c9dc5
  for (const char of value) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0
  return `${value.slice(0, TAG_MAX - PREFIX_TAG.length - 11)}-${hash.toString(16).padStart(8, '0')}`
}

export function monitorTags(prefix: string, name: MonitorName): string[] {
  return ['app:twitter-stats', `${PREFIX_TAG}:${prefixTagValue(prefix)}`, `${MONITOR_TAG}:${name}`]
}

/**
 * A change alert on one account's followers: the last hour's average against the same a day before
 * (`pct_change(avg(last_1h),1d_ago)`, Datadog's change-alert query), one alert per account and network.
 */
function followerChange(prefix: string, direction: 'lost' | 'gained', percent: number): Omit<MonitorBody, 'tags'> {
  const lost = direction === 'lost'
  return {
    name: `twitter-stats (${prefix}): {{account.name}} on {{network.name}} ${direction} over ${percent}% of its followers in a day`,
    type: 'metric alert',
    query: `pct_change(avg(last_1h),1d_ago):avg:${prefix}.followers_count{*} by {account,network} ${lost ? `< -${percent}` : `> ${percent}`}`,
    message: `The followers of {{account.name}} on {{network.name}} changed by {{value}}% against a day before (the alert is at ${lost ? '-' : '+'}${percent}%). ${lost ? 'A mass unfollow, a purge of spam or inactive accounts by the network, or a suspension (the run log says so).' : 'A post that spread, a mention, or a wave of bot follows.'}`,
    options: { thresholds: { critical: lost ? -percent : percent }, notify_no_data: false, require_full_window: false, include_tags: true }
  }
}

const MANAGED =
  'Managed by twitter-stats (datadog-monitors: true): edits made here are replaced on its next run; set the thresholds and datadog-monitor-notify in its settings, or clone this monitor to customise it.'

/** The monitors (POST /api/v1/monitor bodies); with the defaults, the files committed under docs/monitors/. */
export function monitorDefinitions(prefix: string, options: Partial<MonitorOptions> = {}): Record<MonitorName, MonitorBody> {
  const window = MONITOR_WINDOW_MINUTES
  // Datadog's monitor spec: "Datadog recommends at least 2x the monitor timeframe for query alerts."
  const noData = 2 * window
  const bodies: Record<MonitorName, Omit<MonitorBody, 'tags'>> = {
    'collection-stopped': {
      name: `twitter-stats (${prefix}): collection stopped`,
      type: 'metric alert',
      query: `max(last_${window}m):sum:${collectorMetricName(prefix, 'accounts_collected')}{*} < 1`,
      message: `twitter-stats has collected no account for ${window} minutes, or sent nothing at all for ${noData} minutes: the scheduled workflow (or Lambda) is not running, is failing before it sends, or every account failed. Open the latest run's log.`,
      options: { thresholds: { critical: 1 }, notify_no_data: true, no_data_timeframe: noData, require_full_window: false, include_tags: false }
    },
    'account-failing': {
      name: `twitter-stats (${prefix}): accounts failing ({{reason.name}} on {{network.name}})`,
      type: 'metric alert',
      query: `max(last_${window}m):sum:${collectorMetricName(prefix, 'accounts_failed')}{*} by {reason,network} > 0`,
      message:
        "twitter-stats could not collect {{value}} account(s) on {{network.name}} ({{reason.name}}). not_found or suspended: remove the account from `accounts`. rate_limited: run less often or raise rate-limit-max-wait. error: see the run's log.",
      options: { thresholds: { critical: 0 }, notify_no_data: false, require_full_window: false, include_tags: true }
    },
    'followers-lost': followerChange(prefix, 'lost', options.followersLostPercent ?? FOLLOWER_CHANGE_ALERT_PERCENT),
    'followers-gained': followerChange(prefix, 'gained', options.followersGainedPercent ?? FOLLOWER_CHANGE_ALERT_PERCENT)
  }
  // Handles go last, on a line of their own, as Datadog's editor places them.
  const tail = [...(options.managed ? [MANAGED] : []), ...(options.notify?.length ? [options.notify.join(' ')] : [])]
  const monitors = {} as Record<MonitorName, MonitorBody>
  for (const name of MONITOR_NAMES) {
    const body = bodies[name]
    const { options: settings, ...fields } = body
    monitors[name] = { ...fields, message: [body.message, ...tail].join('\n\n'), tags: monitorTags(prefix, name), options: settings }
  }
  return monitors
}
