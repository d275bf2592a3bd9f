/**
 * Mastodon: GET /api/v1/accounts/lookup on each account's own instance, no credentials, a bounded
 * number of requests in flight per instance.
 */
import type { Account } from '../model.js'
import { quoteValue } from '../text/foreign-text.js'
import { mapWithConcurrency } from '../http/concurrency.js'
import { parseJson, type HttpDeps, type HttpResponse, type RunBounds } from '../http/send.js'
import { plausibleResetAt, type RetryPolicy } from '../http/retry.js'
import { checkIds, combine, emptyCollection, failed, isCollection, readCounts, sendForAccounts, unexpectedFailure, type FieldMap } from './shared.js'
import type { Collection, Source, WantedById } from './types.js'
import { MASTODON_ACCOUNT_ID, mastodonIdentity } from './identity.js'

/** Requests in flight at once on one instance: small instances are run by volunteers. */
export const PER_INSTANCE_CONCURRENCY = 2

const FIELDS: FieldMap = [
  ['followers_count', ['followers_count']],
  ['friends_count', ['following_count']],
  ['status_count', ['statuses_count']]
]

export interface MastodonSourceOptions extends RunBounds {
  /** When set, used for every instance instead of https://<instance> (a proxy, or a stand-in in tests). */
  apiUrl: string | undefined
  policy: RetryPolicy
  /** Instances collected at once. */
  concurrency: number
  perInstance?: number
  deps: HttpDeps
}

/** Mastodon's X-RateLimit-Reset is an ISO 8601 time; one out of range counts as absent. */
export function mastodonResetAt(response: HttpResponse, now: number): number | undefined {
  const value = response.headers.get('x-ratelimit-reset')
  return plausibleResetAt(value ? Date.parse(value) : undefined, now)
}

/** Groups accounts by instance, keeping the list's order. */
export function byInstance(accounts: Account[]): Map<string, Account[]> {
  const groups = new Map<string, Account[]>()
  for (const account of accounts) {
    // parseAccountEntry gives every Mastodon account its instance.
    const { instance } = account
    if (instance === undefined) throw new Error(`Mastodon account ${account.handle} has no instance`)
    const list = groups.get(instance) ?? []
    list.push(account)
    groups.set(instance, list)
  }
  return groups
}

/**
 * Whether a lookup answer is the account asked for. Mastodon's `acct` is the bare username for an account of the
 * instance answering and `username@domain` for one of another instance; `username` never has the domain.
 */
export function answersFor(body: Record<string, unknown>, user: string, instance: string): boolean {
  const { acct, username } = body
  if (typeof acct !== 'string') return false
  const said = acct.toLowerCase()
  if (said !== user.toLowerCase() && said !== `${user}@${instance}`.toLowerCase()) return false
  return username === undefined || (typeof username === 'string' && username.toLowerCase() === user.toLowerCase())
}

export function createMastodonSource(options: MastodonSourceOptions): Source {
  const { policy, deps } = options

  /** Each account by its name (GET /api/v1/accounts/lookup), or with `byId` by its id (GET /api/v1/accounts/:id). */
  async function collectInstance(instance: string, wanted: WantedById[], byId: boolean): Promise<Collection> {
    const base = options.apiUrl ?? `https://${instance}`
    let refusal: string | undefined
    const lookupAccount = async ({ account, id }: WantedById): Promise<Collection | Account> => {
      if (refusal) return account // the instance already said no: do not keep asking
      const [user = account.key] = account.key.split('@', 1) // split returns at least one part: the default is never used
      // Through mastodon-api-url one address serves every instance: only the full user@instance tells them apart.
      const acct = options.apiUrl ? `${user}@${instance}` : user
      const url = byId ? `${base}/api/v1/accounts/${encodeURIComponent(id)}` : `${base}/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`
      const asked = byId ? ` by its id ${id}` : ''
      const answer = await sendForAccounts(
        'mastodon',
        [account],
        { method: 'GET', url, headers: { accept: 'application/json', 'user-agent': 'twitter-stats' } },
        {
          policy,
          deps,
          deadline: options.deadline,
          onRetry: options.onRetry,
          service: `Mastodon instance ${instance}`,
          rateLimitResetAt: mastodonResetAt
        }
      )
      if (isCollection(answer)) return answer
      const body = parseJson(answer.body) as Record<string, unknown> | undefined
      if (answer.status === 401 || answer.status === 403) {
        refusal ??= `Mastodon instance ${instance} refuses anonymous reads (${answer.status}${body && typeof body === 'object' && body.error !== undefined ? `: ${quoteValue(body.error)}` : ''}): its administrators require sign-in for the API, so its accounts cannot be collected without credentials. Remove them from the list, or ask the instance.`
        return account
      }
      if (answer.status === 404) {
        const what = byId ? `was not found${asked} either (deleted)` : 'was not found (deleted, moved, or mistyped)'
        return failed('mastodon', [account], 'not_found', `Mastodon account ${account.handle} ${what}.`)
      }
      if (answer.status === 410) return failed('mastodon', [account], 'suspended', `Mastodon account ${account.handle} is suspended.`)
      if (answer.status !== 200 || !body || typeof body !== 'object') {
        return failed(
          'mastodon',
          [account],
          'error',
          `Mastodon instance ${instance} answered ${answer.status}${body === undefined ? ' with a body that is not JSON' : ''} for ${account.handle}${asked}.`
        )
      }
      if (byId && body.id !== id) {
        return failed(
          'mastodon',
          [account],
          'error',
          `Mastodon instance ${instance} answered for another id (${quoteValue(body.id, 40)}) than ${account.handle}'s ${id}.`
        )
      }
      // By name, the answer must be that name; by id (after a rename) the id is checked above.
      if (!byId && !answersFor(body, user, instance)) {
        return failed(
          'mastodon',
          [account],
          'error',
          `Mastodon instance ${instance}${options.apiUrl ? ' (through mastodon-api-url)' : ''} answered for another account (${quoteValue(body.acct, 80)}) when asked for ${account.handle}; its numbers were not used. Check that mastodon-api-url passes the account asked for on to its own instance.`
        )
      }
      if (body.suspended === true) return failed('mastodon', [account], 'suspended', `Mastodon account ${account.handle} is suspended.`)
      const result = emptyCollection()
      const metrics = readCounts(body, FIELDS, 'Mastodon', account.handle, result.warnings)
      if (Object.keys(metrics).length === 0) return failed('mastodon', [account], 'error', `Mastodon returned no usable counts for ${account.handle}.`)
      result.samples.push({ account, timestamp: Math.floor(deps.now() / 1000), metrics, ...mastodonIdentity(body, account) })
      return result
    }
    const results = await mapWithConcurrency(wanted, options.perInstance ?? PER_INSTANCE_CONCURRENCY, (w) =>
      lookupAccount(w).catch((error: unknown) => unexpectedFailure('mastodon', [w.account], `Mastodon instance ${instance}`, error))
    )
    const refused = results.filter((r): r is Account => !('samples' in r))
    const collection = combine(results.filter((r): r is Collection => 'samples' in r))
    if (refused.length > 0) {
      // Only a refusal holds an account back, and it is recorded first.
      if (refusal === undefined) throw new Error(`Mastodon instance ${instance}: accounts were held back with no refusal recorded`)
      collection.failures.push({ network: 'mastodon', accounts: refused, reason: 'error', message: refusal })
    }
    return collection
  }

  async function collectAll(wanted: WantedById[], byId: boolean, onProgress?: (settled: number) => void): Promise<Collection> {
    const ids = new Map(wanted.map((w) => [w.account, w.id]))
    const groups = [...byInstance(wanted.map((w) => w.account))]
    const results = await mapWithConcurrency(groups, options.concurrency, async ([instance, list]) => {
      const result = await collectInstance(
        instance,
        list.map((account) => ({ account, id: ids.get(account) ?? '' })),
        byId
      ).catch((error: unknown) => unexpectedFailure('mastodon', list, `Mastodon instance ${instance}`, error))
      onProgress?.(list.length)
      return result
    })
    return combine(results)
  }

  return {
    network: 'mastodon',
    collect: (accounts, onProgress) =>
      collectAll(
        accounts.map((account) => ({ account, id: '' })),
        false,
        onProgress
      ),
    async lookupByIds(wanted, onProgress) {
      const { valid, refused } = checkIds(wanted, MASTODON_ACCOUNT_ID, 'Mastodon', 'a Mastodon account id')
      return combine([await collectAll(valid, true, onProgress), refused])
    }
  }
}
