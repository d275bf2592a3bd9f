/** Bluesky: app.bsky.actor.getProfiles on the public AppView, no credentials, 25 actors per request. */
import type { Account, Sample } from '../model.js'
import { DID } from '../config/accounts.js'
import { quoteValue } from '../text/foreign-text.js'
import { hostOf, parseJson, type HttpDeps, type RunBounds } from '../http/send.js'
import { mapWithConcurrency } from '../http/concurrency.js'
import { type RetryPolicy } from '../http/retry.js'
import {
  checkIds,
  chunk,
  combine,
  emptyCollection,
  epochSecondsHeader,
  failed,
  isCollection,
  readCounts,
  sendForAccounts,
  unexpectedFailure,
  type FieldMap
} from './shared.js'
import type { Collection, Source, WantedById } from './types.js'
import { blueskyIdentity } from './identity.js'

export const BLUESKY_BATCH_SIZE = 25

const FIELDS: FieldMap = [
  ['followers_count', ['followersCount']],
  ['friends_count', ['followsCount']],
  ['status_count', ['postsCount']]
]

export interface BlueskySourceOptions extends RunBounds {
  apiUrl: string
  policy: RetryPolicy
  concurrency: number
  deps: HttpDeps
}

interface Profile {
  did?: unknown
  handle?: unknown
  [field: string]: unknown
}

/**
 * Pure: profiles in, samples out; a requested actor absent from the answer is missing or taken down. With `dids`
 * (one per account of the batch, a lookup by DID) only a profile of the very DID asked counts.
 */
export function readProfiles(body: unknown, batch: Account[], timestamp: number, dids?: string[]): Collection {
  const result = emptyCollection()
  const profiles =
    body && typeof body === 'object' && Array.isArray((body as { profiles?: unknown }).profiles) ? (body as { profiles: Profile[] }).profiles : []
  const byIdentity = new Map<string, Profile>()
  for (const profile of profiles) {
    if (!profile || typeof profile !== 'object') continue
    if (typeof profile.did === 'string') byIdentity.set(profile.did, profile)
    if (typeof profile.handle === 'string' && !dids) byIdentity.set(profile.handle.toLowerCase(), profile)
  }
  const missing: Account[] = []
  for (const [i, account] of batch.entries()) {
    // A list member carries its DID: found by it, or by its handle.
    const byId = account.id === undefined ? undefined : byIdentity.get(account.id)
    const profile = dids ? byIdentity.get(dids[i] ?? '') : (byId ?? byIdentity.get(account.key))
    if (!profile) {
      missing.push(account)
      continue
    }
    const metrics: Sample['metrics'] = readCounts(profile, FIELDS, 'Bluesky', account.handle, result.warnings)
    if (Object.keys(metrics).length === 0) {
      result.failures.push({ network: 'bluesky', accounts: [account], reason: 'error', message: `Bluesky returned no usable counts for ${account.handle}.` })
    } else {
      result.samples.push({ account, timestamp, metrics, ...blueskyIdentity(profile) })
    }
  }
  for (const account of missing) {
    result.failures.push({
      network: 'bluesky',
      accounts: [account],
      reason: 'not_found',
      message: dids
        ? `Bluesky account ${account.handle} was not found by its DID ${dids[batch.indexOf(account)] ?? ''} either (deleted or taken down).`
        : `Bluesky account ${account.handle} was not found (deleted, taken down, or the handle changed).`
    })
  }
  return result
}

/**
 * One profile listed twice, as a handle and as its DID, is collected and sent once, under the name
 * listed first; the other entry is dropped with a warning.
 */
export function collectedOnce(collection: Collection): Collection {
  const first = new Map<string, Account>()
  const duplicates: Account[] = []
  const samples = collection.samples.filter((sample) => {
    const did = sample.id
    if (did === undefined) return true
    const earlier = first.get(did)
    if (!earlier) {
      first.set(did, sample.account)
      return true
    }
    duplicates.push(sample.account)
    collection.warnings.push(
      `Bluesky accounts ${earlier.handle} and ${sample.account.handle} are the same profile; it is collected once, as ${earlier.handle}.`
    )
    return false
  })
  return duplicates.length > 0 ? { ...collection, samples, duplicates: [...(collection.duplicates ?? []), ...duplicates] } : collection
}

export function createBlueskySource(options: BlueskySourceOptions): Source {
  const { apiUrl, policy, deps, concurrency } = options
  const resetAt = epochSecondsHeader('ratelimit-reset')

  /** getProfiles for the accounts' names, or with `dids` (one per account) for those DIDs. */
  async function lookup(batch: Account[], dids?: string[]): Promise<Collection> {
    // A list member is looked up by its DID, which stays the same through a change of handle.
    const query = (dids ?? batch.map((a) => a.id ?? a.key)).map((actor) => `actors=${encodeURIComponent(actor)}`).join('&')
    const url = `${apiUrl}/xrpc/app.bsky.actor.getProfiles?${query}`
    const answer = await sendForAccounts(
      'bluesky',
      batch,
      { method: 'GET', url, headers: { accept: 'application/json', 'user-agent': 'twitter-stats' } },
      {
        policy,
        deps,
        deadline: options.deadline,
        onRetry: options.onRetry,
        service: 'Bluesky',
        rateLimitResetAt: resetAt
      }
    )
    if (isCollection(answer)) return answer
    if (answer.status !== 200) {
      const body = parseJson(answer.body) as { error?: unknown; message?: unknown } | undefined
      const said = body && typeof body === 'object' && body.message !== undefined ? ` (${quoteValue(body.message)})` : ''
      return failed('bluesky', batch, 'error', `Bluesky answered ${answer.status} from ${hostOf(url)}${said}; ${batch.length} account(s) were not collected.`)
    }
    const body = parseJson(answer.body)
    if (!body || typeof body !== 'object' || !Array.isArray((body as { profiles?: unknown }).profiles)) {
      return failed(
        'bluesky',
        batch,
        'error',
        `Bluesky answered 200 with a body that is not a getProfiles result; ${batch.length} account(s) were not collected.`
      )
    }
    return readProfiles(body, batch, Math.floor(deps.now() / 1000), dids)
  }

  async function collectBatches(wanted: WantedById[], byDid: boolean, onProgress?: (settled: number) => void): Promise<Collection> {
    const results = await mapWithConcurrency(chunk(wanted, BLUESKY_BATCH_SIZE), concurrency, async (part) => {
      const batch = part.map((w) => w.account)
      const result = await lookup(batch, byDid ? part.map((w) => w.id) : undefined).catch((error: unknown) =>
        unexpectedFailure('bluesky', batch, 'Bluesky', error)
      )
      onProgress?.(batch.length)
      return result
    })
    return combine(results)
  }

  return {
    network: 'bluesky',
    async collect(accounts, onProgress) {
      return collectedOnce(
        await collectBatches(
          accounts.map((account) => ({ account, id: account.key })),
          false,
          onProgress
        )
      )
    },
    async lookupByIds(wanted, onProgress) {
      const { valid, refused } = checkIds(wanted, DID, 'Bluesky', 'a DID')
      return combine([await collectBatches(valid, true, onProgress), refused])
    }
  }
}
