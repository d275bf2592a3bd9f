/**
 * The four monitors, kept as the settings say (datadog-monitors): each found again by the tags it carries, read
 * first, updated only where it differs, created where it is missing; never a duplicate.
 */
import { MONITOR_NAMES, MONITOR_TAG, monitorDefinitions, PREFIX_TAG, prefixTagValue, FOLLOWER_CHANGE_ALERT_PERCENT } from './monitor-definitions.js'
import type { MonitorBody, MonitorName, MonitorSettings } from './monitor-definitions.js'
import { includes } from './includes.js'
import { appLink } from './site.js'
import { oneLine, quoteValue } from '../text/foreign-text.js'
import type { Logger } from '../log.js'
import { DatadogApiError, type DatadogApi, type MonitorFound } from './v1-api.js'

export interface MonitorOutcome {
  name: MonitorName
  id: number
  action: 'created' | 'updated' | 'unchanged'
  /** Other monitors carrying the same tags (a clone made in Datadog keeps them): left alone, and named. */
  duplicates: number[]
}

export interface MonitorsOutcome {
  monitors: MonitorOutcome[]
  /** A follower monitor whose threshold is off, found from an earlier run: left alone, and named. */
  off: { name: MonitorName; ids: number[] }[]
  /** The first refusal, after the other monitors were set up. */
  failure?: DatadogApiError
}

/** The monitor's tags as Datadog gave them, in lower case (Datadog lowercases tags); none when they are not a list of strings. */
function tagsOf(monitor: MonitorFound): string[] {
  return Array.isArray(monitor.tags) ? monitor.tags.filter((t): t is string => typeof t === 'string').map((t) => t.toLowerCase()) : []
}

/** Whether the monitor in Datadog is what is wanted: every field sent, with its value, and the same tags in any order. */
export function monitorMatches(actual: MonitorFound, desired: MonitorBody): boolean {
  const { tags, ...rest } = desired
  const have = [...new Set(tagsOf(actual))].sort()
  return includes(actual, rest) && have.length === tags.length && [...tags].sort().every((tag, i) => have[i] === tag)
}

function isOff(name: MonitorName, settings: MonitorSettings): boolean {
  return (
    (name === 'followers-lost' && settings.followersLostPercent === undefined) || (name === 'followers-gained' && settings.followersGainedPercent === undefined)
  )
}

/** Creates one monitor; an answer without a usable id is a refusal the run reports. */
async function create(api: DatadogApi, name: MonitorName, desired: MonitorBody): Promise<MonitorOutcome> {
  const created = await api.createMonitor(desired)
  const id: unknown = created && typeof created === 'object' ? created.id : undefined
  if (!Number.isSafeInteger(id)) {
    throw new DatadogApiError(
      `Datadog created the monitor ${name} but answered without an id (id: ${quoteValue(id)}); look for it in Datadog by the tag ${MONITOR_TAG}:${name}.`,
      undefined
    )
  }
  return { name, id: id as number, action: 'created', duplicates: [] }
}

/** Every monitor of this prefix, in one listing, then each of the four created, updated or left alone. */
export async function syncMonitors(api: DatadogApi, prefix: string, settings: MonitorSettings): Promise<MonitorsOutcome> {
  const wanted = monitorDefinitions(prefix, {
    followersLostPercent: settings.followersLostPercent ?? FOLLOWER_CHANGE_ALERT_PERCENT,
    followersGainedPercent: settings.followersGainedPercent ?? FOLLOWER_CHANGE_ALERT_PERCENT,
    notify: settings.notify,
    managed: true
  })
  const prefixTag = `${PREFIX_TAG}:${prefixTagValue(prefix)}`
  // Datadog filters by the tag; the filter is checked again here, and the oldest of several is the one kept.
  const found = (await api.listMonitors(prefixTag)).filter((m) => tagsOf(m).includes(prefixTag)).sort((a, b) => a.id - b.id)
  const outcome: MonitorsOutcome = { monitors: [], off: [] }
  for (const name of MONITOR_NAMES) {
    const mine = found.filter((m) => tagsOf(m).includes(`${MONITOR_TAG}:${name}`))
    if (isOff(name, settings)) {
      if (mine.length > 0) outcome.off.push({ name, ids: mine.map((m) => m.id) })
      continue
    }
    // One refused monitor does not keep the others from being set up; the first refusal is reported.
    try {
      outcome.monitors.push(await syncOne(api, name, wanted[name], mine))
    } catch (error) {
      if (!(error instanceof DatadogApiError)) throw error
      outcome.failure ??= error
    }
  }
  return outcome
}

async function syncOne(api: DatadogApi, name: MonitorName, desired: MonitorBody, mine: MonitorFound[]): Promise<MonitorOutcome> {
  const [existing, ...others] = mine
  const duplicates = others.map((m) => m.id)
  if (!existing) return create(api, name, desired)
  if (monitorMatches(existing, desired)) return { name, id: existing.id, action: 'unchanged', duplicates }
  // Deleted since it was listed: made again.
  if ((await api.updateMonitor(existing.id, desired)) === undefined) return { ...(await create(api, name, desired)), duplicates }
  return { name, id: existing.id, action: 'updated', duplicates }
}

/** Syncs the monitors and says what became of each, with its address in Datadog. */
export async function provisionMonitors(api: DatadogApi, prefix: string, site: string, settings: MonitorSettings, logger: Logger): Promise<void> {
  const outcome = await syncMonitors(api, prefix, settings)
  const listed = (ids: number[]): string => `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}`
  for (const monitor of outcome.monitors) {
    // The id is a number Datadog gave, checked; the address is cut short all the same.
    logger.info(`Monitor ${monitor.name} ${monitor.id} ${monitor.action}: ${oneLine(appLink(site, `/monitors/${monitor.id}`), 400)}`, {
      monitor: monitor.name,
      id: monitor.id,
      action: monitor.action
    })
    if (monitor.duplicates.length > 0) {
      logger.warning(
        `Other monitors also carry the tag ${MONITOR_TAG}:${monitor.name} for the metric prefix ${prefix}: ${listed(monitor.duplicates)}. Only ${monitor.id} is kept up to date; delete the others, or remove that tag from them (a monitor cloned in Datadog keeps it).`
      )
    }
  }
  for (const off of outcome.off) {
    logger.warning(
      `${off.name}-alert-percent is off, but the monitor ${listed(off.ids)} (${MONITOR_TAG}:${off.name}) from an earlier run still exists and is no longer updated: delete it in Datadog if you no longer want its alerts.`
    )
  }
  if (outcome.failure) throw outcome.failure
}
