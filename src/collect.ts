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
import { combine, countAccounts, emptyCollection } from './sources/shared.js'
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
  const errors = collection.failures.filter((f) => !f.fatal && f.reason === 'error')
  if (errors.length > 0) problems.push(`${countAccounts(errors)} account(s) could not be collected because of errors (see the warnings above).`)
  if (!fatal && collection.samples.length === 0) problems.push('no account could be collected.')
  if (delivery?.error) problems.push(delivery.error)
  else if (!dryRun && delivery && delivery.undelivered.length > 0) problems.push(`${delivery.undelivered.length} series were not delivered.`)
  return problems
}

/**
 * Runs one collection. Never throws for an account's or a service's sake: everything that went
 * wrong is in the report, and the report says whether the run as a whole failed.
 */
export async function runCollection(config: Config, deps: RunDeps): Promise<RunReport> {
  const started = deps.http.now()
  const { logger } = deps
  const sources = deps.sources ?? createSources(config, deps.http)

  let collection: Collection = emptyCollection()
  const rateLimits: Partial<Record<Network, number>> = {}
  await logger.group(`Collecting ${config.accounts.length} account(s)`, async () => {
    let settled = 0
    const onProgress = (count: number): void => {
      settled += count
      logger.progress?.(settled, config.accounts.length)
    }
    const results = await Promise.all(
      sources.map((source) =>
        source.collect(
          config.accounts.filter((a) => a.network === source.network),
          onProgress
        )
      )
    )
    collection = combine(results)
    results.forEach((result, i) => {
      if (result.rateLimitRemaining !== undefined) rateLimits[sources[i]!.network] = result.rateLimitRemaining
    })
    for (const warning of collection.warnings) logger.warning(warning)
    for (const failure of collection.failures) {
      const account = failure.accounts.length === 1 ? failure.accounts[0]!.key : undefined
      if (failure.fatal) logger.error(failure.message, { network: failure.network, reason: failure.reason })
      else logger.warning(failure.message, { account, network: failure.network, reason: failure.reason, count: failure.accounts.length })
    }
    logger.info(`Collected ${collection.samples.length} of ${config.accounts.length} account(s).`, {
      collected: collection.samples.length,
      total: config.accounts.length
    })
  })

  // A network whose credentials were rejected sends nothing at all, even from batches that got
  // through; the other networks' accounts, and the collector's own series, are still sent.
  const rejected = new Set(collection.failures.filter((f) => f.fatal).map((f) => f.network))
  for (const network of rejected) logger.error(`Nothing from ${network} was sent to Datadog; fix the problem above and run again.`)
  const sendable = collection.samples.filter((s) => !rejected.has(s.account.network))
  const series = toSeries(sendable, config.metricPrefix, config.tags)
  if (!config.dryRun) {
    const now = deps.http.now()
    const outcome = {
      ...collection,
      accounts: config.accounts,
      timestamp: Math.floor(now / 1000),
      durationSeconds: (now - started) / 1000,
      rateLimitRemaining: rateLimits
    }
    series.push(...selfMonitoringSeries(outcome, config.metricPrefix, config.tags))
  }
  let delivery: DeliveryReport | undefined
  if (series.length > 0) {
    const client = deps.client ?? createClient(config, deps.http, logger)
    delivery = await logger.group(
      config.dryRun ? `Dry run: ${series.length} series that would be sent` : `Sending ${series.length} series to Datadog`,
      async () => {
        const report = await client.submit(series)
        if (report.error) logger.error(report.error)
        else if (!config.dryRun)
          logger.info(`Datadog accepted ${report.sent} series in ${report.requests} request(s).`, { series: report.sent, requests: report.requests })
        return report
      }
    )
  }

  const problems = judge(collection, delivery, config.dryRun)
  const appKey = config.datadogApp.appKey
  if (appKey && !config.dryRun && delivery && !delivery.error) {
    const { apiKey, baseUrl, site } = config.datadog
    const api = deps.api ?? createDatadogApi({ apiKey: apiKey!, appKey, baseUrl, site, policy: config.policy, deps: deps.http })
    const metrics = [...new Set(series.map((s) => s.metric))]
    const options = { prefix: config.metricPrefix, site, metrics, dashboard: config.datadogApp.dashboard, concurrency: config.concurrency }
    problems.push(...(await logger.group('Datadog metric metadata and dashboard', () => provisionDatadog(api, options, logger))))
  }
  const failedAccounts = countAccounts(collection.failures)
  return {
    accounts: config.accounts,
    samples: collection.samples,
    failures: collection.failures,
    warnings: collection.warnings,
    series,
    records: toRecords(collection.samples, config.metricPrefix),
    delivery,
    collected: collection.samples.length,
    failed: failedAccounts,
    rateLimitRemaining: collection.rateLimitRemaining,
    durationMs: deps.http.now() - started,
    problems,
    ok: problems.length === 0
  }
}
