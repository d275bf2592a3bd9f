/** The pipeline: accounts → sources → samples → series → sink, and the run's exit rules. */
import type { Account, Network, Sample, Series, Failure } from '../model.js'
import { judge, type Problem } from './judge.js'
import type { Config } from '../config/parse.js'
import { createDatadogClient, createDryRunClient, type DeliveryReport, type MetricsClient } from '../datadog/series.js'
import { createDatadogApi, type DatadogApi } from '../datadog/v1-api.js'
import { provisionDatadog } from '../datadog/provision.js'
import { selfMonitoringSeries } from '../series/self-monitoring.js'
import { footprintLine, measureFootprint, type Footprint } from './footprint.js'
import type { HttpDeps, RunBounds } from '../http/send.js'
import { deliveryDeadline, MAX_DELIVERY_RESERVE_MS, runDeadlines } from './deadline.js'
import type { Logger } from '../log.js'
import { SampleSeries, toRecords, type MetricRecord, type SeriesList } from '../series/metrics.js'
import { collectAll, markUndelivered, reconcile, unexpectedProblem, withholdRejected } from './outcome.js'
import { combine, countAccounts } from '../sources/shared.js'
import type { Collection, Source } from '../sources/types.js'
import { createBlueskySource } from '../sources/bluesky.js'
import { createMastodonSource } from '../sources/mastodon.js'
import { createXSource } from '../sources/x.js'
import { expandRunLists, noExpansion, type ListReader, type ListReport } from '../sources/lists/expand.js'
import type { AccountChange } from '../state/changes.js'
import type { StateStore } from '../state/store.js'
import { closeState, openState, resendFirst, workAhead } from '../state/session.js'
import { followRenames, type FollowedRenames, type Gone, type Rename } from '../state/renames.js'
import { knownAccounts } from '../state/run-state.js'

export { judge, type Problem } from './judge.js'

export interface RunDeps {
  http: HttpDeps
  logger: Logger
  /** Overrides for tests; by default built from the config. */
  sources?: Source[]
  client?: MetricsClient
  /** Datadog's v1 API (metadata, dashboard, monitors); by default built from the config. */
  api?: DatadogApi
  /** Reads the lists of the account list; by default on the config's X and Bluesky settings. */
  lists?: ListReader
  /** Where the run's memory is kept; none when absent. Read once at the start, written once at the end. */
  state?: StateStore
}

export interface RunReport {
  accounts: Account[]
  /** Each list of the account list, with its members read (or why it could not be read); the runner always sets it. */
  lists?: ListReport[]
  samples: Sample[]
  failures: Failure[]
  warnings: string[]
  series: Series[]
  records: MetricRecord[]
  /** What the run costs: X users read, distinct series (custom metrics) sent. */
  footprint: Footprint
  delivery: DeliveryReport | undefined
  /** Accounts whose metrics were collected from their network. */
  collected: number
  failed: number
  rateLimitRemaining: number | undefined
  durationMs: number
  /** Why the run failed, each problem once; empty when it succeeded. */
  problems: Problem[]
  ok: boolean
  /** What changed for every collected account, against the state (all null without one). */
  changes?: AccountChange[]
  /** Accounts found by their id under a new name (collected under the list's), and accounts gone since the last run. */
  renames?: Rename[]
  gone?: Gone[]
  /** Where the state is kept and what the run re-sent from it; undefined when the run keeps no state. */
  state?: { where: string; resent: number; accepted: number }
}

export function createSources(config: Config, http: HttpDeps, bounds: RunBounds = {}, accounts = config.accounts): Source[] {
  const networks = new Set<Network>(accounts.map((a) => a.network))
  const sources: Source[] = []
  const shared = { policy: config.policy, concurrency: config.concurrency, deps: http, ...bounds }
  if (networks.has('x') && config.x.auth) {
    sources.push(createXSource({ auth: config.x.auth, apiUrl: config.x.apiUrl, ...shared }))
  }
  if (networks.has('bluesky')) {
    sources.push(createBlueskySource({ apiUrl: config.bluesky.apiUrl, ...shared }))
  }
  if (networks.has('mastodon')) {
    sources.push(createMastodonSource({ apiUrl: config.mastodon.apiUrl, ...shared }))
  }
  return sources
}

export function createClient(config: Config, http: HttpDeps, logger: Logger, bounds: RunBounds = {}): MetricsClient {
  if (config.dryRun) return createDryRunClient((line) => logger.info(line))
  const { baseUrl, site } = config.datadog
  return createDatadogClient({ apiKey: sendingApiKey(config), baseUrl, site, policy: config.policy, deps: http, ...bounds })
}

/** The Datadog API key of a run that sends: parseConfig refuses such a run without one, so its absence is a bug. */
function sendingApiKey(config: Config): string {
  const { apiKey } = config.datadog
  if (!apiKey) throw new Error('no Datadog API key in a run that sends series: parseConfig should have refused this configuration')
  return apiKey
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
  const unexpected: Problem[] = []
  const guard = async <T>(phase: string, task: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await task()
    } catch (error) {
      unexpected.push({ reason: 'twitter-stats stopped unexpectedly', message: unexpectedProblem(phase, error) })
      return fallback
    }
  }
  // Every retry and wait is a log line; collection stops early enough to deliver what it got.
  const deadlines = runDeadlines(started, config.runTimeoutMs)
  const onRetry: RunBounds['onRetry'] = (event) =>
    logger.info(event.message, { service: event.service, attempt: event.attempt, of: event.of, waitMs: event.waitMs })
  const clientUntil = (deadline: number): MetricsClient => deps.client ?? createClient(config, deps.http, logger, { deadline, onRetry })
  const seconds = (): number => Math.floor(deps.http.now() / 1000)

  // The state: read once, while the lists and accounts are collected (decoding it fills the waits on the network);
  // series earlier runs could not deliver are sent first, before any of this run's own.
  const store = deps.state
  const settings = { prefix: config.metricPrefix, metrics: config.metrics, selfMonitoring: config.selfMonitoring }
  const opening = (async () => {
    const memory = store ? await guard('reading the state', () => openState(store, settings, seconds(), logger, config.dryRun), undefined) : undefined
    if (memory && !config.dryRun) {
      const until = Math.min(deadlines.collectBy, deps.http.now() + MAX_DELIVERY_RESERVE_MS)
      await guard(
        're-sending the series earlier runs did not deliver',
        () => resendFirst(memory, (s) => clientUntil(until).submit(s), logger, seconds()),
        undefined
      )
    }
    return memory
  })()

  const bounds = { deadline: deadlines.collectBy, onRetry }
  const lists = () => expandRunLists(config, deps.http, bounds, logger, deps.lists)
  const expansion = await guard('expanding the lists', lists, noExpansion(config.accounts))
  const targets = expansion.toCollect
  let collection: Collection = expansion.collection
  let followed: Pick<FollowedRenames, 'renames' | 'gone'> = { renames: [], gone: [] }
  const rateLimits: Partial<Record<Network, number>> = {}
  await guard(
    'collecting the accounts',
    () =>
      logger.group(`Collecting ${targets.length} account(s)`, async () => {
        const sources = deps.sources ?? createSources(config, deps.http, bounds, targets)
        let settled = 0
        const onProgress = (count: number): void => {
          settled += count
          logger.progress?.(settled, targets.length)
        }
        const collected = await collectAll(sources, targets, onProgress)
        collection = combine([expansion.collection, collected.collection])
        Object.assign(rateLimits, collected.rateLimits)
        // Renames: an account not found by its name but known by its id is collected under the list's name.
        ;({ collection, ...followed } = await followRenames(collection, knownAccounts((await opening)?.state), sources))
        for (const { message, account } of followed.renames) logger.warning(message, { account: account.key, network: account.network, reason: 'renamed' })
        for (const warning of collection.warnings) logger.warning(warning)
        // Failures that fail the run are said once, in their problem at the end; the others are warnings.
        for (const failure of collection.failures) {
          if (failure.fatal || failure.reason === 'rate_limited' || failure.reason === 'error') continue
          const account = failure.accounts.length === 1 ? failure.accounts[0]?.key : undefined
          logger.warning(failure.message, { account, network: failure.network, reason: failure.reason, count: failure.accounts.length })
        }
      }),
    undefined
  )
  const memory = await opening
  // A network whose credentials were rejected sends nothing at all, even from batches that got through: those
  // accounts count as failed. Each listed account is counted once; a source's duplicates are dropped.
  const reconciled = reconcile(expansion.accounts, withholdRejected(collection))
  const accounts = reconciled.accounts
  collection = reconciled.collection
  logger.info(`Collected ${collection.samples.length} of ${accounts.length} account(s).`, { collected: collection.samples.length, total: accounts.length })

  // Made from the samples each time they are read (delivery, the footprint), never all held at once.
  let series: SeriesList = []
  await guard(
    'building the series',
    async () => {
      const own = SampleSeries.of(collection.samples, config.metricPrefix, config.tags, config.metrics)
      series = own
      if (config.dryRun || !config.selfMonitoring) return
      const now = deps.http.now()
      const outcome = { ...collection, accounts, timestamp: Math.floor(now / 1000), durationSeconds: (now - started) / 1000, rateLimitRemaining: rateLimits }
      series = own.concat(selfMonitoringSeries(outcome, config.metricPrefix, config.tags))
    },
    undefined
  )

  const aheadOptions = { metrics: config.metrics, changesAt: Math.floor(started / 1000), now: seconds(), writes: !config.dryRun }
  // The changes and the next state need nothing from Datadog's answer: worked out while the run awaits it. Awaited
  // after delivery; until then a failure is held, never an unhandled rejection.
  const ahead = workAhead(memory, collection.samples, aheadOptions)
  ahead.catch(() => undefined)
  let delivery: DeliveryReport | undefined
  if (series.length > 0) {
    delivery = await guard(
      'sending the series to Datadog',
      () =>
        logger.group(config.dryRun ? `Dry run: ${series.length} series that would be sent` : `Sending ${series.length} series to Datadog`, async () => {
          const client = clientUntil(deliveryDeadline(deadlines, deps.http.now()))
          const report = await client.submit(series)
          if (!report.error && !config.dryRun)
            logger.info(`Datadog accepted ${report.sent} series in ${report.requests} request(s).`, { series: report.sent, requests: report.requests })
          return report
        }),
      undefined
    )
    // Nothing says which series got through: keep them all (a gauge point sent again replaces itself).
    delivery ??= { sent: 0, requests: 0, bytesSent: 0, undelivered: series.slice() }
  }

  // Written before provisioning, so a slow metadata call cannot cost the run its memory; a dry run changes nothing.
  const { changes, closing } = await guard('working out what changed', () => ahead, { changes: [], closing: undefined })
  if (memory && !config.dryRun) {
    const run = { samples: collection.samples, undelivered: delivery?.undelivered ?? [], collectedAt: Math.floor(started / 1000), now: seconds() }
    await guard('writing the state', () => closeState(memory, run, logger, closing), undefined)
  }
  const footprint = measureFootprint(collection.samples, series, config.metricPrefix, config.dryRun, expansion.xListUsers)
  logger.info(footprintLine(footprint), { xUsersRead: footprint.xUsersRead, customMetrics: footprint.series })
  const problems = judge(collection, delivery, config.dryRun)
  const appKey = config.datadogApp.appKey
  if (appKey && !config.dryRun && delivery && !delivery.error && delivery.undelivered.length === 0) {
    const { baseUrl, site } = config.datadog
    const metrics = [...new Set(Array.from(series, (s) => s.metric))]
    const { dashboard, monitors } = config.datadogApp
    const options = { prefix: config.metricPrefix, site, metrics, dashboard, monitors, concurrency: config.concurrency }
    const refused = await guard(
      'setting up metric metadata, the dashboard and the monitors (the metrics themselves were delivered)',
      () =>
        logger.group('Datadog metric metadata, dashboard and monitors', () => {
          const api =
            deps.api ??
            createDatadogApi({
              apiKey: sendingApiKey(config),
              appKey,
              baseUrl,
              site,
              policy: config.policy,
              deps: deps.http,
              deadline: deadlines.endBy,
              onRetry
            })
          return provisionDatadog(api, options, logger)
        }),
      []
    )
    problems.push(...refused.map((message) => ({ reason: 'the Datadog metric metadata, dashboard or monitors were not set up', message })))
  }
  problems.push(...unexpected)
  for (const problem of problems) logger.error(problem.message, { problem: problem.reason })
  // Counted after delivery: an account whose series Datadog did not accept is failed, not collected.
  const final = config.dryRun ? collection : markUndelivered(collection, delivery, config.metricPrefix, config.tags)
  const read = collection.samples
  const built = series
  let all: Series[] | undefined
  let records: MetricRecord[] | undefined
  return {
    accounts,
    lists: expansion.lists,
    samples: final.samples,
    failures: final.failures,
    warnings: final.warnings,
    get series() {
      return (all ??= built.slice())
    },
    // Every value read and not withheld: delivered, or in the re-sendable body. Made when first read: the table
    // and the Lambda never read them, and 10,000 accounts make 60,000 of them.
    get records() {
      return (records ??= toRecords(read, config.metricPrefix, config.metrics))
    },
    footprint,
    delivery,
    collected: final.samples.length,
    failed: countAccounts(final.failures),
    rateLimitRemaining: final.rateLimitRemaining,
    durationMs: deps.http.now() - started,
    problems,
    ok: problems.length === 0,
    renames: followed.renames,
    gone: followed.gone,
    changes,
    state: memory && { where: memory.store.where, resent: memory.resent, accepted: memory.accepted }
  }
}
