/**
 * What the pipeline does so that collected data survives anything and the counts stay honest: a source
 * that throws fails its own accounts, series withheld or refused count as failed, and every listed
 * account is counted exactly once (`collected + failed = accounts`).
 */
import type { Account, Network, Sample, Series, Failure } from '../model.js'
import { NETWORK_NAMES } from '../config/accounts.js'
import type { DeliveryReport } from '../datadog/series.js'
import { oneLine } from '../text/foreign-text.js'
import { accountTags } from '../series/metrics.js'
import { combine, failed } from '../sources/shared.js'
import type { Collection, Source } from '../sources/types.js'
import { messageOf } from '../text/errors.js'

/** A problem for something that should never throw, naming the phase; the run fails with it. */
export function unexpectedProblem(phase: string, error: unknown): string {
  const message = messageOf(error)
  return `twitter-stats stopped unexpectedly while ${phase} (${oneLine(message, 500)}). Please report this with the log.`
}

/** Runs every source; one that throws fails its own accounts, and the others' results are kept. */
export async function collectAll(
  sources: Source[],
  accounts: Account[],
  onProgress: (settled: number) => void
): Promise<{ collection: Collection; rateLimits: Partial<Record<Network, number>> }> {
  const rateLimits: Partial<Record<Network, number>> = {}
  const settled = await Promise.allSettled(
    sources.map((source) =>
      source.collect(
        accounts.filter((a) => a.network === source.network),
        onProgress
      )
    )
  )
  const collection = combine(
    sources.map(({ network }, i) => {
      const result = settled[i]
      if (!result) throw new Error(`no outcome for the ${NETWORK_NAMES[network]} source: Promise.allSettled answers one per source`)
      if (result.status === 'fulfilled') {
        if (result.value.rateLimitRemaining !== undefined) rateLimits[network] = result.value.rateLimitRemaining
        return result.value
      }
      const mine = accounts.filter((a) => a.network === network)
      // An error of these accounts: the run fails with this very message quoted.
      return failed(network, mine, 'error', unexpectedProblem(`collecting the ${NETWORK_NAMES[network]} accounts`, result.reason))
    })
  )
  return { collection, rateLimits }
}

const idOf = (account: Account): string => `${account.network}:${account.key}`

/**
 * A network whose credentials were rejected sends nothing at all, even from batches that got through:
 * those accounts join the fatal failure, so they count as failed everywhere (outputs, summary, collector series).
 */
export function withholdRejected(collection: Collection): Collection {
  const fatal = new Map<Network, Failure>()
  for (const failure of collection.failures) if (failure.fatal && !fatal.has(failure.network)) fatal.set(failure.network, failure)
  if (fatal.size === 0) return collection
  const samples: Sample[] = []
  const withheld = new Map<Failure, Account[]>()
  for (const sample of collection.samples) {
    const failure = fatal.get(sample.account.network)
    if (failure) withheld.set(failure, [...(withheld.get(failure) ?? []), sample.account])
    else samples.push(sample)
  }
  const failures = collection.failures.map((f) => {
    const held = withheld.get(f)
    return held ? { ...f, accounts: [...held, ...f.accounts] } : f
  })
  return { ...collection, samples, failures }
}

/**
 * Every listed account exactly once: a sample wins, then the first failure naming it; an account that
 * neither collected nor failed (a source that skipped it) fails as not collected. Duplicates found by a
 * source are dropped from the list. The invariant `samples + failed accounts = accounts` holds after this.
 */
export function reconcile(listed: Account[], collection: Collection): { accounts: Account[]; collection: Collection } {
  const duplicate = new Set((collection.duplicates ?? []).map(idOf))
  const accounts = listed.filter((a) => !duplicate.has(idOf(a)))
  const listedIds = new Set(accounts.map(idOf))
  const seen = new Set<string>()
  const samples = collection.samples.filter((s) => {
    const id = idOf(s.account)
    if (!listedIds.has(id) || seen.has(id)) return false
    seen.add(id)
    return true
  })
  const failures: Failure[] = []
  for (const failure of collection.failures) {
    const mine = failure.accounts.filter((a) => {
      const id = idOf(a)
      if (!listedIds.has(id) || seen.has(id)) return false
      seen.add(id)
      return true
    })
    // A fatal failure is kept even with no account left: it is why the run failed.
    if (mine.length > 0 || failure.fatal) failures.push({ ...failure, accounts: mine })
  }
  const missing = accounts.filter((a) => !seen.has(idOf(a)))
  const [firstMissing] = missing
  if (firstMissing) {
    failures.push({
      network: firstMissing.network,
      accounts: missing,
      reason: 'error',
      message: `${missing.length} account(s) got no answer and no error (${missing
        .slice(0, 5)
        .map((a) => a.handle)
        .join(', ')}${missing.length > 5 ? ', …' : ''}); they were not collected. Please report this with the log.`
    })
  }
  return { accounts, collection: { ...collection, samples, failures } }
}

/** The key of a series, the same for the series we built and the copy a client hands back. */
const seriesKey = (series: Pick<Series, 'metric' | 'tags'>): string => `${series.metric}|${series.tags.join(',')}`

/**
 * "Collected" means collected and delivered (or printed in a dry run): an account with any series
 * Datadog did not accept counts as failed, its values kept in the re-sendable body.
 */
export function markUndelivered(collection: Collection, delivery: DeliveryReport | undefined, prefix: string, tags: string[]): Collection {
  if (!delivery || delivery.undelivered.length === 0) return collection
  const undelivered = new Set(delivery.undelivered.map(seriesKey))
  const kept: Sample[] = []
  const lost: Account[] = []
  for (const sample of collection.samples) {
    const accountTagList = [...accountTags(sample.account), ...tags]
    const names = Object.keys(sample.metrics).map((name) => `${prefix}.${name}`)
    if (names.some((metric) => undelivered.has(seriesKey({ metric, tags: accountTagList })))) lost.push(sample.account)
    else kept.push(sample)
  }
  if (lost.length === 0) return collection
  const byNetwork = new Map<Network, Account[]>()
  for (const account of lost) byNetwork.set(account.network, [...(byNetwork.get(account.network) ?? []), account])
  const failures: Failure[] = [...byNetwork].map(([network, accounts]) => ({
    network,
    accounts,
    reason: 'error',
    undelivered: true,
    message: `${accounts.length} ${NETWORK_NAMES[network]} account(s) were collected but Datadog did not accept their series; they are kept to be re-sent.`
  }))
  return { ...collection, samples: kept, failures: [...collection.failures, ...failures] }
}
