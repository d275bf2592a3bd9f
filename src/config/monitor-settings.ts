/** The monitors' settings: the two follower thresholds and the notification handles, checked before any request. */
import { ConfigError, quote } from '../text/errors.js'
import type { MonitorSettings } from '../datadog/monitor-definitions.js'
import { defaultOf, type RawSettings } from './settings.js'

/** A gain can be any size; a loss is at most 100 %, so a threshold of 100 or more could never fire. */
const MAX_GAINED = 1000
const BELOW_LOST = 100
export const MAX_HANDLES = 50
const MAX_HANDLE = 200

/** A threshold in percent ("10", "2.5", "10%"), or off: undefined, that monitor is not made. */
export function parseAlertPercent(value: string | undefined, name: string, fallback: string, direction: 'lost' | 'gained'): number | undefined {
  const text = value ?? fallback
  if (/^off$/i.test(text)) return undefined
  const digits = text.replace(/%$/, '')
  const number = Number(digits)
  const fits = direction === 'lost' ? number < BELOW_LOST : number <= MAX_GAINED
  if (!/^\d+(\.\d+)?$/.test(digits) || !Number.isFinite(number) || number <= 0 || !fits) {
    const range = direction === 'lost' ? `above 0 and below ${BELOW_LOST} (an account can lose at most all its followers)` : `above 0 and at most ${MAX_GAINED}`
    throw new ConfigError([`\`${name}\` is ${quote(text)}; use a percent ${range}, for example 10, or off for no followers-${direction} monitor.`])
  }
  return number
}

// Control characters and the invisible format characters (bidirectional overrides, zero-width), which could make a
// handle read as another.
const UNSEEN = /[\p{Cc}\p{Cf}]/u

/** Notification handles, separated by whitespace, each starting with @ (`@slack-social @ops@example.com`). */
export function parseNotifyHandles(value: string | undefined, name: string): string[] {
  if (value === undefined) return []
  const handles = [...new Set(value.split(/\s+/u).filter((token) => token.length > 0))]
  const example = 'for example "@slack-social @ops@example.com"'
  const bad = handles.find((h) => !h.startsWith('@') || h.length < 2 || h.length > MAX_HANDLE || UNSEEN.test(h))
  if (bad !== undefined) {
    const why = UNSEEN.test(bad)
      ? 'has a control or invisible character'
      : bad.length > MAX_HANDLE
        ? `is over ${MAX_HANDLE} characters`
        : 'does not start with @'
    throw new ConfigError([`\`${name}\` has ${quote(bad)}, which ${why}: give Datadog notification handles separated by spaces, ${example}.`])
  }
  if (handles.length > MAX_HANDLES) {
    throw new ConfigError([`\`${name}\` lists ${handles.length} handles; at most ${MAX_HANDLES} go on a monitor. Notify a team or a channel instead.`])
  }
  return handles
}

/** All three monitor settings; each is checked whether or not datadog-monitors is on, so a typo shows at once. */
export function parseMonitorSettings(raw: RawSettings): MonitorSettings {
  const problems: string[] = []
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(...error.problems)
      return undefined
    }
  }
  const lost = attempt(() => parseAlertPercent(raw.followersLostAlertPercent, 'followers-lost-alert-percent', defaultOf('followersLostAlertPercent'), 'lost'))
  const gained = attempt(() =>
    parseAlertPercent(raw.followersGainedAlertPercent, 'followers-gained-alert-percent', defaultOf('followersGainedAlertPercent'), 'gained')
  )
  const notify = attempt(() => parseNotifyHandles(raw.datadogMonitorNotify, 'datadog-monitor-notify'))
  if (problems.length > 0) throw new ConfigError(problems)
  return { followersLostPercent: lost, followersGainedPercent: gained, notify: notify ?? [] }
}
