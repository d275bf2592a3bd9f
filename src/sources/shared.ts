/** What every source does the same way: read counts, send through the shared transport, turn errors into failures. */
import type { Account, Network, MetricName, Sample, Failure } from '../model.js'
import { oneLine, quoteValue } from '../text/foreign-text.js'
import { NetworkError, RateLimitError } from '../http/errors.js'
import { headerInteger, plausibleResetAt } from '../http/retry.js'
import { send, type HttpRequest, type HttpResponse, type SendOptions } from '../http/send.js'
import type { Collection, WantedById } from './types.js'
import { messageOf } from '../text/errors.js'

/**
 * Our metric name → the field names a network uses for it, first match wins. `nullable`: the network's
 * schema allows null for "not reported" (X's like_count and media_count), which is skipped without a warning.
 */
export type FieldMap = [MetricName, string[], { nullable: true }?][]

/**
 * Reads counts from an API object, dropping values that are not non-negative integers with a
 * warning naming the service, the field and the account (a null the schema allows is dropped silently). A value that is not an object reads as empty.
 */
export function readCounts(fields: unknown, map: FieldMap, service: string, handle: string, warnings: string[]): Sample['metrics'] {
  const metrics: Sample['metrics'] = {}
  const source = fields && typeof fields === 'object' ? (fields as Record<string, unknown>) : {}
  for (const [name, names, rule] of map) {
    const field = names.find((f) => Object.prototype.hasOwnProperty.call(source, f))
    if (field === undefined) continue
    const value = source[field]
    if (value === null && rule?.nullable) continue
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      metrics[name] = value
    } else {
      // Quoted by shape, never walked: a count may be an array nested thousands deep.
      warnings.push(`${service} returned an invalid ${field} for ${handle} (${quoteValue(value, 40)}); that metric was not sent.`)
    }
  }
  return metrics
}

/** Splits a list into batches of `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

export function emptyCollection(): Collection {
  return { samples: [], failures: [], warnings: [] }
}

export function failed(network: Network, accounts: Account[], reason: Failure['reason'], message: string): Collection {
  return { samples: [], failures: [{ network, accounts, reason, message }], warnings: [] }
}

/**
 * What a batch becomes when reading it threw something no source expects (an answer of a shape nobody
 * planned for, a bug): those accounts fail alone, with the reason, and the rest of the run goes on.
 */
export function unexpectedFailure(
  network: Network,
  accounts: Account[],
  service: string,
  error: unknown,
  mask: (text: string) => string = (t) => t
): Collection {
  const message = messageOf(error)
  return failed(
    network,
    accounts,
    'error',
    `${service}'s answer for ${accounts.length} account(s) could not be read (${oneLine(mask(message))}); they were not collected. Please report this with the log.`
  )
}

/** How many accounts these failures cover. */
export function countAccounts(failures: readonly Failure[]): number {
  return failures.reduce((n, f) => n + f.accounts.length, 0)
}

/** Merges per-batch results in order. */
export function combine(results: (Collection | undefined)[]): Collection {
  const all = emptyCollection()
  for (const result of results) {
    if (!result) continue
    all.samples.push(...result.samples)
    all.failures.push(...result.failures)
    all.warnings.push(...result.warnings)
    if (result.duplicates?.length) (all.duplicates ??= []).push(...result.duplicates)
    if (result.rateLimitRemaining !== undefined) all.rateLimitRemaining = Math.min(all.rateLimitRemaining ?? Infinity, result.rateLimitRemaining)
  }
  return all
}

/**
 * Sends through the shared transport; a rate limit that outlasts the wait or a request that never
 * got an answer becomes a failure of these accounts instead of an exception.
 */
export async function sendForAccounts(network: Network, accounts: Account[], request: HttpRequest, options: SendOptions): Promise<HttpResponse | Collection> {
  try {
    return await send(request, options)
  } catch (error) {
    if (error instanceof RateLimitError) {
      return failed(
        network,
        accounts,
        'rate_limited',
        `${error.message} ${accounts.length} account(s) were not collected; raise ${error.limitedBy} or run less often.`
      )
    }
    if (error instanceof NetworkError) return failed(network, accounts, 'error', `${error.message} ${accounts.length} account(s) were not collected.`)
    throw error
  }
}

/** Rate-limit headers that give the reset as epoch seconds (X, Bluesky); one out of range (a reset of 1e13) counts as absent. */
export function epochSecondsHeader(name: string): (response: HttpResponse, now: number) => number | undefined {
  return (response, now) => {
    const reset = headerInteger(response.headers.get(name))
    return reset !== undefined && reset > 0 ? plausibleResetAt(reset * 1000, now) : undefined
  }
}

export function isCollection(value: HttpResponse | Collection): value is Collection {
  return 'samples' in value
}

/**
 * The ids a lookup by id may send: those of the network's shape. One that is not (a damaged state) fails its
 * account alone, before any request, and never reaches a URL.
 */
export function checkIds(wanted: WantedById[], pattern: RegExp, service: string, what: string): { valid: WantedById[]; refused: Collection } {
  const valid = wanted.filter((w) => pattern.test(w.id))
  const refused = emptyCollection()
  for (const { account, id } of wanted.filter((w) => !pattern.test(w.id))) {
    const network = account.network
    refused.failures.push({
      network,
      accounts: [account],
      reason: 'error',
      message: `${service} account ${account.handle}: the id the state holds for it (${quoteValue(id, 40)}) is not ${what}; it was not looked up by id.`
    })
  }
  return { valid, refused }
}
