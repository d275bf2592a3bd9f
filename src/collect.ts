/** The pipeline: accounts → sources → samples → series → sink, and the run's exit rules. */
import type { Account, Network } from './accounts.js'
import type { Config } from './config.js'
import { createDatadogClient, createDryRunClient, type DeliveryReport, type MetricsClient } from './datadog/series.js'
import { createDatadogApi, type DatadogApi } from './datadog/v1-api.js'
import { provisionDatadog } from './datadog/provision.js'
import { selfMonitoringSeries } from './self-monitoring.js'
import type { HttpDeps } from './http.js'
import type { Logger } from './log.js'
import { toRecords, toSeries, type MetricRecord, type Sample, type Series } from './metrics.js'
import { collectAll, markUndelivered, reconcile, unexpectedProblem, withholdRejected } from './run-outcome.js'
import { countAccounts, emptyCollection } from './sources/shared.js'
import type { Collection, Failure, Source } from './sources/types.js'
import { createBlueskySource } from './sources/bluesky.js'
import { createMastodonSource } from './sources/mastodon.js'
import { createXSource } from './sources/x.js'

export interface RunDeps {
  http: HttpDeps
  logger: Logger
  /** Overrides for tests; by default built from the config. */
  sources?: Source[]
  client?: MetricsClient
  /** Datadog's v1 API (metadata, dashboard); by default built from the config. */
  api?: DatadogApi
}

export interface RunReport {
  accounts: Account[]
  samples: Sample[]
  failures: Failure[]
  warnings: string[]
  series: Series[]
  records: MetricRecord[]
  delivery: DeliveryReport | undefined
  /** Accounts whose metrics were collected from their network. */
  collected: number
  failed: number
  rateLimitRemaining: number | undefined
  durationMs: number
  /** Why the run failed; empty when it succeeded. */
  problems: string[]
  ok: boolean
}

export function createSources(config: Config, http: HttpDeps): Source[] {
  const networks = new Set<Network>(config.accounts.map((a) => a.network))
  const sources: Source[] = []
  if (networks.has('x') && config.x.auth) {
    sources.push(createXSource({ auth: config.x.auth, apiUrl: config.x.apiUrl, policy: config.policy, concurrency: config.concurrency, deps: http }))
  }
  if (networks.has('bluesky')) {
    sources.push(createBlueskySource({ apiUrl: config.bluesky.apiUrl, policy: config.policy, concurrency: config.concurrency, deps: http }))
  }
  if (networks.has('mastodon')) {
    sources.push(createMastodonSource({ apiUrl: config.mastodon.apiUrl, policy: config.policy, concurrency: config.concurrency, deps: http }))
  }
  return sources
}

export function createClient(config: Config, http: HttpDeps, logger: Logger): MetricsClient {
  if (config.dryRun) return createDryRunClient((line) => logger.info(line))
  return createDatadogClient({ apiKey: config.datadog.apiKey!, baseUrl: config.datadog.baseUrl, site: config.datadog.site, policy: config.policy, deps: http })
}

/** The exit rules: which outcomes make the run fail, each with the reason a user reads. */
export function judge(collection: Collection, delivery: DeliveryReport | undefined, dryRun: boolean): string[] {
  const problems: string[] = []
  for (const failure of collection.failures) {
    if (failure.fatal) problems.push(failure.message)
  }
  const fatal = problems.length > 0
  const rateLimited = collection.failures.filter((f) => f.reason === 'rate_limited')
  if (rateLimited.length > 0) problems.push(`a rate limit outlasted the allowed wait for ${countAccounts(rateLimited)} account(s).`)
  const errors = collection.failures.filter((f) => !f.fatal && !f.undelivered && f.reason === 'error')
  if (errors.length > 0) problems.push(`${countAccounts(errors)} account(s) could not be collected because of errors (see the warnings above).`)
  if (!fatal && collection.samples.length === 0) problems.push('no account could be collected.')
  if (delivery?.error) problems.push(delivery.error)
  else if (!dryRun && delivery && delivery.undelivered.length > 0) problems.push(`${delivery.undelivered.length} series were not delivered.`)
  return problems
}

/**
 * Runs one collection. Never throws for an account's or a service's sake: everything that went
 * wrong is in the report, and the report says whether the run as a whole failed. Whatever throws
 * unexpectedly after accounts were collected, their series are still sent, or kept in
 * `delivery.undelivered` for the adapter to save, and the run fails saying why.
 */
export async function runCollection(config: Config, deps: RunDeps): Promise<RunReport> {
  const started = deps.http.now()
  const { logger } = deps
  const unexpected: string[] = []
  const guard = async <T>(phase: string, task: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await task()
    } catch (error) {
      unexpected.push(unexpectedProblem(phase, error))
      return fallback
    }
  }

  let collection: Collection = emptyCollection()
  const rateLimits: Partial<Record<Network, number>> = {}
  await guard(
    'collecting the accounts',
    () =>
      logger.group(`Collecting ${config.accounts.length} account(s)`, async () => {
        const sources = deps.sources ?? createSources(config, deps.http)
        let settled = 0
        const onProgress = (count: number): void => {
          settled += count
          logger.progress?.(settled, config.accounts.length)
        }
        const collected = await collectAll(sources, config.accounts, onProgress)
        collection = collected.collection
        Object.assign(rateLimits, collected.rateLimits)
        for (const warning of collection.warnings) logger.warning(warning)
        for (const failure of collection.failures) {
          const account = failure.accounts.length === 1 ? failure.accounts[0]!.key : undefined
          if (failure.fatal) logger.error(failure.message, { network: failure.network, reason: failure.reason })
          else logger.warning(failure.message, { account, network: failure.network, reason: failure.reason, count: failure.accounts.length })
        }
      }),
    undefined
  )
  // Rejected credentials withhold that network's series; each account counted once; duplicates dropped.
  const reconciled = reconcile(config.accounts, withholdRejected(collection))
  const accounts = reconciled.accounts
  collection = reconciled.collection
  logger.info(`Collected ${collection.samples.length} of ${accounts.length} account(s).`, { collected: collection.samples.length, total: accounts.length })
  for (const network of new Set(collection.failures.filter((f) => f.fatal).map((f) => f.network)))
    logger.error(`Nothing from ${network} was sent to Datadog; fix the problem above and run again.`)

  let series: Series[] = []
  await guard(
    'building the series',
    async () => {
      series = toSeries(collection.samples, config.metricPrefix, config.tags)
      if (config.dryRun) return
      const now = deps.http.now()
      const outcome = { ...collection, accounts, timestamp: Math.floor(now / 1000), durationSeconds: (now - started) / 1000, rateLimitRemaining: rateLimits }
      series = [...series, ...selfMonitoringSeries(outcome, config.metricPrefix, config.tags)]
    },
    undefined
  )

  let delivery: DeliveryReport | undefined
  if (series.length > 0) {
    const kept = (reason: string): DeliveryReport => ({ sent: 0, requests: 0, bytesSent: 0, undelivered: series, error: reason })
    delivery = await guard(
      'sending the series to Datadog',
      () =>
        logger.group(config.dryRun ? `Dry run: ${series.length} series that would be sent` : `Sending ${series.length} series to Datadog`, async () => {
          const client = deps.client ?? createClient(config, deps.http, logger)
          const report = await client.submit(series)
          if (report.error) logger.error(report.error)
          else if (!config.dryRun)
            logger.info(`Datadog accepted ${report.sent} series in ${report.requests} request(s).`, { series: report.sent, requests: report.requests })
          return report
        }),
      undefined
    )
    // Nothing says which series got through: keep them all (a gauge point sent again replaces itself).
    delivery ??= kept(`${series.length} series are kept to be re-sent, because sending them stopped unexpectedly.`)
  }

  const problems = judge(collection, delivery, config.dryRun)
  const appKey = config.datadogApp.appKey
  if (appKey && !config.dryRun && delivery && !delivery.error) {
    const { apiKey, baseUrl, site } = config.datadog
    const metrics = [...new Set(series.map((s) => s.metric))]
    const options = { prefix: config.metricPrefix, site, metrics, dashboard: config.datadogApp.dashboard, concurrency: config.concurrency }
    const provisioned = await guard(
      'setting metric metadata and the dashboard (the metrics themselves were delivered)',
      () =>
        logger.group('Datadog metric metadata and dashboard', () => {
          const api = deps.api ?? createDatadogApi({ apiKey: apiKey!, appKey, baseUrl, site, policy: config.policy, deps: deps.http })
          return provisionDatadog(api, options, logger)
        }),
      []
    )
    problems.push(...provisioned)
  }
  for (const problem of unexpected) {
    logger.error(problem)
    problems.push(problem)
  }
  // Counted after delivery: an account whose series Datadog did not accept is failed, not collected.
  const final = config.dryRun ? collection : markUndelivered(collection, delivery, config.metricPrefix, config.tags)
  return {
    accounts,
    samples: final.samples,
    failures: final.failures,
    warnings: final.warnings,
    series,
    // Every value read and not withheld: delivered, or in the re-sendable body.
    records: toRecords(collection.samples, config.metricPrefix),
    delivery,
    collected: final.samples.length,
    failed: countAccounts(final.failures),
    rateLimitRemaining: final.rateLimitRemaining,
    durationMs: deps.http.now() - started,
    problems,
    ok: problems.length === 0
  }
}
