/**
 * X API v2 user lookup. twitter-api-v2 supplies the OAuth 1.0a signature; requests go through
 * our shared transport, because the library's own request handler speaks https only (so it could
 * not reach a loopback stand-in) and has neither our retry policy nor per-request timeouts.
 */
import { OAuth1Helper } from 'twitter-api-v2/dist/cjs/client-mixins/oauth1.helper.js'
import type { Account, Sample, Failure } from '../model.js'
import type { XAuth } from '../config/parse.js'
import { oneLine, quoteValue } from '../text/foreign-text.js'
import { hostOf, parseJson, type HttpDeps, type HttpRequest, type HttpResponse, type RunBounds, type SendOptions } from '../http/send.js'
import { mapWithConcurrency } from '../http/concurrency.js'
import { headerInteger, type RetryPolicy } from '../http/retry.js'
import { createMasker } from '../text/masker.js'
import { checkIds, chunk, combine, epochSecondsHeader, failed, isCollection, readCounts, sendForAccounts, unexpectedFailure, type FieldMap } from './shared.js'
import type { Collection, Source } from './types.js'
import { X_USER_ID, xIdentity } from './identity.js'

export { chunk }

export const X_BATCH_SIZE = 100

/**
 * X's `public_metrics` fields, mapped to our metric names (the original system's names). X's OpenAPI spec
 * (UserPublicMetrics) marks like_count and media_count nullable: null there means "not reported".
 */
export const X_FIELDS: FieldMap = [
  ['followers_count', ['followers_count']],
  ['friends_count', ['following_count']],
  ['status_count', ['tweet_count', 'post_count']],
  ['listed_count', ['listed_count']],
  ['favourites_count', ['like_count'], { nullable: true }],
  ['media_count', ['media_count'], { nullable: true }]
]

/** X rejected the credentials or the access tier: no account of this run can be collected. */
export class XAuthError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'XAuthError'
  }
}

export interface XSourceOptions extends RunBounds {
  auth: XAuth
  apiUrl: string
  policy: RetryPolicy
  concurrency: number
  deps: HttpDeps
}

export interface XUser {
  id?: unknown
  username?: unknown
  public_metrics?: Record<string, unknown>
}

interface XProblem {
  value?: unknown
  resource_id?: unknown
  detail?: unknown
  title?: unknown
  type?: unknown
}

/**
 * The Authorization header for one attempt. OAuth 1.0a signs each attempt anew (fresh nonce and timestamp): RFC
 * 5849 lets X refuse a reused nonce or a stale timestamp, and a retry may come minutes after a rate-limit wait.
 */
export function authorizer(auth: XAuth): (request: HttpRequest) => string {
  if (auth.kind === 'bearer') return () => `Bearer ${auth.token}`
  const helper = new OAuth1Helper({ consumerKeys: { key: auth.consumerKey, secret: auth.consumerSecret } })
  const token = { key: auth.accessToken, secret: auth.accessTokenSecret }
  return (request) => helper.toHeader(helper.authorize({ url: request.url, method: request.method }, token)).Authorization
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

type Mask = (text: string) => string
const unmasked: Mask = (text) => text

/**
 * The message of an X error body, whichever of its shapes it has (v2 problem or v1.1 errors array),
 * masked before it is cut short, so no piece of a credential X echoed survives the cut.
 */
export function describeXError(body: unknown, mask: Mask): { message: string; code453: boolean } {
  if (!body || typeof body !== 'object') return { message: '', code453: false }
  const problem = body as Record<string, unknown>
  const errors = (Array.isArray(problem.errors) ? (problem.errors as unknown[]) : []).filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
  const code453 = errors.some((e) => e.code === 453) || problem.reason === 'client-not-enrolled'
  const parts = [text(problem.title), text(problem.detail), ...errors.map((e) => text(e.message))].filter(Boolean)
  return { message: oneLine(mask(parts.join(': ')), 300), code453 }
}

export function authError(response: HttpResponse, mask: Mask): XAuthError {
  const { message, code453 } = describeXError(parseJson(response.body), mask)
  const said = message ? ` X said: "${message}".` : ''
  if (response.status === 401) {
    return new XAuthError(
      `X rejected the credentials (401 Unauthorized).${said} Check that x-bearer-token (or the four OAuth 1.0a keys) is current and belongs to an app in a Project; regenerate it in the X developer portal if it was revoked.`
    )
  }
  if (code453) {
    return new XAuthError(
      `X refused the user lookup for this app's access tier (403, error 453).${said} User lookups (GET /2/users/by) need a paid or pay-per-use X developer account; upgrade the app's access in the X developer portal.`
    )
  }
  return new XAuthError(
    `X refused the request (403 Forbidden).${said} Check that the app has read access to users and that its Project allows GET /2/users/by.`
  )
}

function classifyProblem(problem: XProblem): 'suspended' | 'not_found' | 'error' {
  const detail = `${text(problem.title)} ${text(problem.detail)}`
  if (/suspend/i.test(detail)) return 'suspended'
  if (/not.?found/i.test(detail) || text(problem.type).endsWith('resource-not-found')) return 'not_found'
  return 'error'
}

/** One user object of an answer (a lookup, a list's members): its sample, or a failure when no count is usable. */
export function readXUser(user: XUser, account: Account, timestamp: number, warnings: string[]): Sample | Failure {
  const metrics = readCounts(user.public_metrics, X_FIELDS, 'X', account.handle, warnings)
  if (Object.keys(metrics).length === 0) {
    return { network: 'x', accounts: [account], reason: 'error', message: `X returned no usable metrics for ${account.handle}.` }
  }
  return { account, timestamp, metrics, ...xIdentity(user) }
}

/**
 * How every X request is sent: signed per attempt, X's rate-limit reset waited out, the lowest
 * x-rate-limit-remaining handed to `onRemaining`.
 */
export function xSendOptions(options: XSourceOptions, authorization: (request: HttpRequest) => string, onRemaining: (remaining: number) => void): SendOptions {
  return {
    sign: (request) => ({ authorization: authorization(request) }),
    policy: options.policy,
    deps: options.deps,
    deadline: options.deadline,
    onRetry: options.onRetry,
    service: 'X',
    rateLimitResetAt: epochSecondsHeader('x-rate-limit-reset'),
    onResponse: (r) => {
      const remaining = headerInteger(r.headers.get('x-rate-limit-remaining'))
      if (remaining !== undefined) onRemaining(remaining)
    }
  }
}

/**
 * Turns one 200 answer into samples and per-account failures; `mask` hides credentials in X's words before they are
 * quoted. With `ids` (one per account of the batch, a lookup by id) an answer counts only for an id asked.
 */
export function readLookup(body: unknown, batch: Account[], timestamp: number, mask: Mask = unmasked, ids?: string[]): Collection {
  const samples: Sample[] = []
  const failures: Failure[] = []
  const warnings: string[] = []
  const byKey = new Map(batch.map((account, i) => [ids ? (ids[i] ?? '') : account.key, account]))
  const done = new Set<Account>()
  const payload = body && typeof body === 'object' ? (body as { data?: unknown; errors?: unknown }) : {}
  const users = Array.isArray(payload.data) ? (payload.data as XUser[]) : []
  const problems = Array.isArray(payload.errors) ? (payload.errors as XProblem[]) : []
  const keyOf = (value: unknown): string => (ids ? text(value) : text(value).toLowerCase())
  const byId = (account: Account): string => (ids ? ` by its id ${ids[batch.indexOf(account)] ?? ''}` : '')

  for (const user of users) {
    const account = byKey.get(keyOf(ids ? user?.id : user?.username))
    if (!account || done.has(account)) continue // not asked for, or returned twice
    done.add(account)
    const read = readXUser(user, account, timestamp, warnings)
    if ('metrics' in read) samples.push(read)
    else failures.push(read)
  }
  for (const problem of problems) {
    const account = byKey.get(keyOf(problem?.value || problem?.resource_id))
    if (!account || done.has(account)) continue
    done.add(account)
    const reason = classifyProblem(problem)
    const what =
      reason === 'suspended'
        ? 'is suspended'
        : reason === 'not_found'
          ? ids
            ? `was not found${byId(account)} either (deleted)`
            : 'was not found (deleted, renamed or mistyped)'
          : `could not be read${byId(account)}: ${quoteValue(mask(text(problem.detail) || text(problem.title)))}`
    failures.push({ network: 'x', accounts: [account], reason, message: `X account ${account.handle} ${what}.` })
  }
  const missing = batch.filter((account) => !done.has(account))
  if (missing.length > 0) {
    failures.push({
      network: 'x',
      accounts: missing,
      reason: 'error',
      message: `X answered without data or an error for ${missing.map((a) => a.handle).join(', ')}.`
    })
  }
  return { samples, failures, warnings }
}

export function secretsOf(auth: XAuth): string[] {
  return auth.kind === 'bearer' ? [auth.token] : [auth.consumerKey, auth.consumerSecret, auth.accessToken, auth.accessTokenSecret]
}

export function createXSource(options: XSourceOptions): Source {
  const { auth, apiUrl, deps, concurrency } = options
  // Masks X's words in messages (a proxy's error page may echo the request's credentials); the answer itself is parsed as it came.
  const mask = createMasker(secretsOf(auth))
  const authorization = authorizer(auth)
  let rateLimitRemaining: number | undefined

  /** GET /2/users/by?usernames=, or with `ids` (one per account) GET /2/users?ids=. */
  async function lookup(batch: Account[], ids?: string[]): Promise<Collection> {
    const query = new URLSearchParams({
      ...(ids ? { ids: ids.join(',') } : { usernames: batch.map((a) => a.handle).join(',') }),
      'user.fields': 'public_metrics'
    })
    const url = `${apiUrl}/2/users${ids ? '' : '/by'}?${query.toString().replace(/%2C/g, ',')}`
    const fail = (reason: Failure['reason'], message: string): Collection => failed('x', batch, reason, message)
    const answer = await sendForAccounts(
      'x',
      batch,
      { method: 'GET', url, headers: { 'user-agent': 'twitter-stats' } },
      xSendOptions(options, authorization, (remaining) => (rateLimitRemaining = Math.min(rateLimitRemaining ?? remaining, remaining)))
    )
    if (isCollection(answer)) return answer
    const response = answer
    const timestamp = Math.floor(deps.now() / 1000)
    if (response.status === 401 || response.status === 403) throw authError(response, mask)
    if (response.status !== 200) {
      const { message } = describeXError(parseJson(response.body), mask)
      return fail(
        'error',
        `X answered ${response.status} from ${hostOf(url)}${message ? ` ("${message}")` : ''}; ${batch.length} account(s) were not collected.`
      )
    }
    const body = parseJson(response.body)
    if (!body || typeof body !== 'object' || (!('data' in body) && !('errors' in body))) {
      return fail(
        'error',
        `X answered 200 with a body that is not a user lookup result (${body === undefined ? 'not JSON' : 'neither data nor errors'}); ${batch.length} account(s) were not collected.`
      )
    }
    return readLookup(body, batch, timestamp, mask, ids)
  }

  /** Batches of up to 100, `concurrency` at once; once X rejects the credentials, no batch more is sent. */
  async function collectBatches(accounts: Account[], ids: string[] | undefined, onProgress?: (settled: number) => void): Promise<Collection> {
    const batches = chunk(
      accounts.map((account, i) => ({ account, id: ids?.[i] ?? '' })),
      X_BATCH_SIZE
    )
    let authFailure: XAuthError | undefined
    const results = await mapWithConcurrency(batches, concurrency, async (wanted) => {
      if (authFailure) return undefined // the credentials are bad: do not keep knocking
      const batch = wanted.map((w) => w.account)
      try {
        const result = await lookup(batch, ids && wanted.map((w) => w.id))
        onProgress?.(batch.length)
        return result
      } catch (error) {
        if (error instanceof XAuthError) {
          authFailure ??= error
          return undefined
        }
        onProgress?.(batch.length)
        return unexpectedFailure('x', batch, 'X', error, mask)
      }
    })
    const collection = combine(results)
    if (authFailure) {
      const collected = new Set(collection.samples.map((s) => s.account.key))
      const failed = new Set(collection.failures.flatMap((f) => f.accounts.map((a) => a.key)))
      const rest = accounts.filter((a) => !collected.has(a.key) && !failed.has(a.key))
      collection.failures.push({ network: 'x', accounts: rest, reason: 'error', message: authFailure.message, fatal: true })
    }
    if (rateLimitRemaining !== undefined) collection.rateLimitRemaining = rateLimitRemaining
    return collection
  }

  return {
    network: 'x',
    collect: (accounts, onProgress) => collectBatches(accounts, undefined, onProgress),
    async lookupByIds(wanted, onProgress) {
      const { valid, refused } = checkIds(wanted, X_USER_ID, 'X', 'an X user id')
      const collection = await collectBatches(
        valid.map((w) => w.account),
        valid.map((w) => w.id),
        onProgress
      )
      return combine([collection, refused])
    }
  }
}
