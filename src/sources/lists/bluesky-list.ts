/**
 * A Bluesky list or starter pack's members, on the public AppView: a handle in the entry resolved to its DID
 * (com.atproto.identity.resolveHandle), a starter pack to its list (app.bsky.graph.getStarterPack), then
 * app.bsky.graph.getList 100 a page, following `cursor`. The items are profileViews, which carry no counts:
 * the Bluesky source reads those with getProfiles, by DID, 25 at a time.
 */
import type { Account } from '../../model.js'
import { DID } from '../../config/accounts.js'
import type { ListEntry } from '../../config/list-entries.js'
import { hostOf, parseJson, type HttpDeps, type HttpResponse, type RunBounds, type SendOptions } from '../../http/send.js'
import type { RetryPolicy } from '../../http/retry.js'
import { quoteValue } from '../../text/foreign-text.js'
import { blueskyIdentity } from '../identity.js'
import { epochSecondsHeader } from '../shared.js'
import { emptyRead, isProblem, listName, nextCursor, sendForList, type ListProblem, type ListRead } from './list-read.js'

export const BLUESKY_LIST_PAGE_SIZE = 100

type BlueskyList = Extract<ListEntry, { network: 'bluesky' }>
/** One XRPC answer: its JSON object, or why the list cannot be read. */
type Answer = { body: Record<string, unknown> } | { problem: ListProblem }

export interface BlueskyListOptions extends RunBounds {
  apiUrl: string
  policy: RetryPolicy
  deps: HttpDeps
}

const LIST_URI = /^at:\/\/(did:[^/]+)\/app\.bsky\.graph\.list\/([A-Za-z0-9._:~-]{1,512})$/

/** An XRPC refusal: 400 with {error, message} is the network saying the thing is not there; anything else is an error. */
function refusal(list: BlueskyList, response: HttpResponse, url: string, what: string): ListProblem {
  const body = parseJson(response.body) as { message?: unknown } | undefined
  const said = body && typeof body === 'object' && body.message !== undefined ? ` (${quoteValue(body.message)})` : ''
  if (response.status === 400) {
    return {
      reason: 'not_found',
      message: `Bluesky could not find ${what} of the ${listName(list)}${said}: it was deleted, or its address is mistyped. Check the address in Bluesky, or remove it from the account list.`
    }
  }
  return {
    reason: 'error',
    message: `Bluesky answered ${response.status} from ${hostOf(url)}${said} for the ${listName(list)}; its members were not collected. The next run tries again.`
  }
}

function notShaped(list: BlueskyList, method: string): ListProblem {
  return {
    reason: 'error',
    message: `Bluesky answered 200 with a body that is not a ${method} result for the ${listName(list)}; its members were not collected.`
  }
}

/** A list member as an account: its handle (the series' name, as if named alone) and its DID (how it is looked up). */
function memberAccount(subject: unknown): Account | undefined {
  const { id, name } = subject && typeof subject === 'object' ? blueskyIdentity(subject) : {}
  if (id === undefined) return undefined
  return name === undefined ? { network: 'bluesky', handle: id, key: id, id } : { network: 'bluesky', handle: name, key: name.toLowerCase(), id }
}

export function createBlueskyListReader(options: BlueskyListOptions): (list: BlueskyList, limit: number) => Promise<ListRead> {
  const sendOptions: SendOptions = { ...options, service: 'Bluesky', rateLimitResetAt: epochSecondsHeader('ratelimit-reset') }
  const headers = { accept: 'application/json', 'user-agent': 'twitter-stats' }

  return async (list, limit) => {
    const read = emptyRead(list)
    const { warnings } = read.collection
    /** One XRPC query: its parsed body, or the list's problem. */
    const query = async (method: string, params: URLSearchParams, what: string): Promise<Answer> => {
      const url = `${options.apiUrl}/xrpc/${method}?${params.toString()}`
      const answer = await sendForList(list, { method: 'GET', url, headers }, sendOptions)
      read.requests++
      if (isProblem(answer)) return { problem: answer }
      if (answer.status !== 200) return { problem: refusal(list, answer, url, what) }
      const body = parseJson(answer.body)
      return body && typeof body === 'object' && !Array.isArray(body)
        ? { body: body as Record<string, unknown> }
        : { problem: notShaped(list, method.slice(method.lastIndexOf('.') + 1)) }
    }
    const failed = (problem: ListProblem): ListRead => ({ ...read, members: [...members.values()], problem })
    const members = new Map<string, Account>()

    let did = list.actor
    if (!DID.test(did)) {
      const resolved = await query('com.atproto.identity.resolveHandle', new URLSearchParams({ handle: did }), `the handle ${did}`)
      if ('problem' in resolved) return failed(resolved.problem)
      const found = resolved.body.did
      if (typeof found !== 'string' || !DID.test(found)) return failed(notShaped(list, 'resolveHandle'))
      did = found
    }
    let listUri = `at://${did}/app.bsky.graph.list/${list.rkey}`
    if (list.kind === 'bluesky-starter-pack') {
      const params = new URLSearchParams({ starterPack: `at://${did}/app.bsky.graph.starterpack/${list.rkey}` })
      const pack = await query('app.bsky.graph.getStarterPack', params, 'the starter pack')
      if ('problem' in pack) return failed(pack.problem)
      const view = pack.body.starterPack as { list?: { uri?: unknown } } | undefined
      if (!view || typeof view !== 'object') return failed(notShaped(list, 'getStarterPack'))
      const uri = view.list?.uri
      if (typeof uri !== 'string' || !LIST_URI.test(uri)) {
        return failed({ reason: 'not_found', message: `The ${listName(list)} has no list of members that Bluesky shows; check the starter pack in Bluesky.` })
      }
      listUri = uri
    }

    const seen = new Set<string>()
    const dids = new Set<string>()
    const limits = { members: limit, pages: Math.ceil(limit / BLUESKY_LIST_PAGE_SIZE) + 10 }
    let cursor: string | undefined
    do {
      const params = new URLSearchParams({ list: listUri, limit: String(BLUESKY_LIST_PAGE_SIZE) })
      if (cursor !== undefined) params.set('cursor', cursor)
      const page = await query('app.bsky.graph.getList', params, 'the list')
      if ('problem' in page) return failed(page.problem)
      const { items, cursor: next } = page.body
      if (!Array.isArray(items)) return failed(notShaped(list, 'getList'))
      let cut = false
      for (const item of (items as unknown[]).slice(0, BLUESKY_LIST_PAGE_SIZE)) {
        if ((cut = members.size >= limit)) break
        read.usersReturned++
        const account = memberAccount(item && typeof item === 'object' ? (item as { subject?: unknown }).subject : undefined)
        if (!account) {
          warnings.push(`Bluesky returned a member of the ${listName(list)} without a valid DID; it was left out.`)
          continue
        }
        if (members.has(account.key) || dids.has(account.id ?? '')) continue
        members.set(account.key, account)
        dids.add(account.id ?? '')
      }
      cursor = nextCursor(next, seen, { members: members.size, pages: read.requests, cut }, limits, listName(list), warnings)
    } while (cursor !== undefined)
    return { ...read, members: [...members.values()] }
  }
}
