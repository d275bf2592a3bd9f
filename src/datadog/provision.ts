/**
 * Applies the definitions with an application key, after the series were delivered: metric metadata on every run,
 * and the dashboard and the monitors when asked. Reads first, so what is already right is left alone.
 */
import { oneLine, quoteValue } from '../text/foreign-text.js'
import { mapWithConcurrency } from '../http/concurrency.js'
import type { Logger } from '../log.js'
import { dashboardDefinition, dashboardMarker, dashboardTitle, metricMetadata } from './definitions.js'
import { appLink } from './site.js'
import { includes } from './includes.js'
import { DatadogApiError, type DatadogApi } from './v1-api.js'
import { provisionMonitors } from './monitors.js'
import type { MonitorSettings } from './monitor-definitions.js'

const METADATA_FIELDS = ['type', 'unit', 'short_name', 'description'] as const

export interface MetadataOutcome {
  updated: string[]
  unchanged: string[]
  /** Metrics Datadog does not know yet (just created): set on a later run. */
  pending: string[]
}

/** Sets metadata on each metric where it is missing or different; reads first so unchanged ones are left alone. */
export async function syncMetricMetadata(api: DatadogApi, metrics: string[], prefix: string, concurrency: number): Promise<MetadataOutcome> {
  const table = metricMetadata(prefix)
  const outcome: MetadataOutcome = { updated: [], unchanged: [], pending: [] }
  let failure: unknown
  const known = metrics.flatMap((name) => {
    const desired = table.get(name)
    return desired ? [{ name, desired }] : []
  })
  await mapWithConcurrency(known, concurrency, async ({ name, desired }) => {
    if (failure) return
    try {
      const current = await api.getMetricMetadata(name)
      if (current !== undefined && METADATA_FIELDS.every((field) => current[field] === desired[field])) outcome.unchanged.push(name)
      else if (current !== undefined && (await api.updateMetricMetadata(name, desired))) outcome.updated.push(name)
      else outcome.pending.push(name)
    } catch (error) {
      failure ??= error
    }
  })
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('metadata sync failed with a value that is not an Error')
  return outcome
}

export interface DashboardOutcome {
  id: string
  url: string | undefined
  action: 'created' | 'updated' | 'unchanged'
}

/** The dashboard's path as Datadog gave it, when it is a string at all. */
function urlOf(dashboard: unknown): string | undefined {
  const url = dashboard && typeof dashboard === 'object' ? (dashboard as { url?: unknown }).url : undefined
  return typeof url === 'string' ? url : undefined
}

/** Finds the dashboard by its marker (or title) and updates it, or creates it: never a duplicate. */
export async function syncDashboard(api: DatadogApi, prefix: string): Promise<DashboardOutcome & { duplicates: string[] }> {
  const desired = dashboardDefinition(prefix)
  const found = (await api.listDashboards()).filter(
    (d) => (typeof d.description === 'string' && d.description.includes(dashboardMarker(prefix))) || d.title === desired.title
  )
  const [existing, ...duplicates] = found
  if (existing) {
    const current = await api.getDashboard(existing.id)
    if (current) {
      const duplicateIds = duplicates.map((d) => d.id)
      if (includes(current, desired)) return { id: existing.id, url: urlOf(current), action: 'unchanged', duplicates: duplicateIds }
      const updated = await api.updateDashboard(existing.id, desired)
      return { id: existing.id, url: urlOf(updated), action: 'updated', duplicates: duplicateIds }
    }
  }
  const created = await api.createDashboard(desired)
  if (typeof created.id !== 'string' || created.id.length === 0) {
    throw new DatadogApiError(
      `Datadog created the dashboard but answered without an id (id: ${quoteValue(created.id)}); look for it in Datadog, by its title.`,
      undefined
    )
  }
  return { id: created.id, url: urlOf(created), action: 'created', duplicates: [] }
}

export interface ProvisionOptions {
  prefix: string
  /** The datadog-site setting, for links. */
  site: string
  /** Metric names delivered in this run. */
  metrics: string[]
  dashboard: boolean
  /** The monitors' settings when datadog-monitors is on. */
  monitors?: MonitorSettings | undefined
  concurrency: number
}

/**
 * Runs after the series were delivered. Never throws for Datadog's sake: each refusal becomes a
 * problem (the permission named), and the series already sent stay sent.
 */
export async function provisionDatadog(api: DatadogApi, options: ProvisionOptions, logger: Logger): Promise<string[]> {
  const problems: string[] = []
  const attempt = async (task: () => Promise<void>): Promise<void> => {
    try {
      await task()
    } catch (error) {
      if (!(error instanceof DatadogApiError)) throw error
      // Said once, by the pipeline, with the run's other problems.
      problems.push(`${error.message} The metrics themselves were delivered.`)
    }
  }
  await attempt(async () => {
    const outcome = await syncMetricMetadata(api, options.metrics, options.prefix, options.concurrency)
    logger.info(
      `Metric metadata: ${outcome.updated.length} set, ${outcome.unchanged.length} already right${outcome.pending.length > 0 ? `, ${outcome.pending.length} not yet known to Datadog (set on a later run)` : ''}.`,
      { updated: outcome.updated.length, unchanged: outcome.unchanged.length, pending: outcome.pending.length }
    )
  })
  if (options.dashboard) {
    await attempt(async () => {
      const outcome = await syncDashboard(api, options.prefix)
      const link = outcome.url ? `: ${appLink(options.site, outcome.url)}` : ''
      // The id and the address are Datadog's words: cut short (the logger makes them safe to print).
      const id = oneLine(outcome.id, 100)
      logger.info(`Dashboard ${id} ${outcome.action}${oneLine(link, 400)}`, { dashboard: id, action: outcome.action })
      if (outcome.duplicates.length > 0) {
        const shown = outcome.duplicates.slice(0, 10).map((d) => oneLine(d, 100))
        const others = `${shown.join(', ')}${outcome.duplicates.length > shown.length ? ` and ${outcome.duplicates.length - shown.length} more` : ''}`
        logger.warning(
          `Other dashboards also carry ${dashboardMarker(options.prefix)} or the title ${JSON.stringify(dashboardTitle(options.prefix))}: ${others}. Only ${id} is kept up to date; delete the others.`
        )
      }
    })
  }
  const monitors = options.monitors
  if (monitors) await attempt(() => provisionMonitors(api, options.prefix, options.site, monitors, logger))
  return problems
}
