/**
 * An X List's members: GET /2/lists/:id/members with their public_metrics, 100 a page, following meta.next_token
 * with pagination_token. The members' counts come with them, so they are not looked up again: ⌈members/100⌉
 * requests a list. Signed, rate-limited and bounded like every X request (src/sources/x.ts, src/http/).
 */
import type { Account } from '../../model.js'
import { X_USERNAME } from '../../config/accounts.js'
import type { ListEntry } from '../../config/list-entries.js'
import { hostOf, parseJson, type HttpResponse } from '../../http/send.js'
import { createMasker } from '../../text/masker.js'
import { quoteValue } from '../../text/foreign-text.js'
import { authError, authorizer, describeXError, readXUser, secretsOf, xSendOptions, type XSourceOptions, type XUser } from '../x.js'
import { emptyRead, isProblem, listName, nextCursor, sendForList, type ListProblem, type ListRead } from './list-read.js'

export const X_LIST_PAGE_SIZE = 100
/** X's own bound: a List holds at most 5,000 members. */
export const X_LIST_MAX_MEMBERS = 5_000

type XList = Extract<ListEntry, { network: 'x' }>
type Mask = (text: string) => string

interface XListProblem {
  type?: unknown
  title?: unknown
  detail?: unknown
  resource_type?: unknown
}

/** A problem X gave about the list itself (200 with `errors`, resource_type "list"): missing or not visible. */
function listProblem(list: XList, problems: XListProblem[], mask: Mask): ListProblem | undefined {
  const problem = problems.find((p) => p && typeof p === 'object' && p.resource_type === 'list')
  if (!problem) return undefined
  const said = quoteValue(mask(`${typeof problem.title === 'string' ? problem.title : ''}: ${typeof problem.detail === 'string' ? problem.detail : ''}`))
  if (typeof problem.type === 'string' && problem.type.endsWith('/not-authorized-for-resource')) return privateList(list, `X said ${said}`)
  return {
    reason: 'not_found',
    message: `The ${listName(list)} was not found (X said ${said}): it was deleted, or the id is mistyped. Check the list's address in X, or remove it from the account list.`
  }
}

function privateList(list: XList, answer: string): ListProblem {
  return {
    reason: 'not_found',
    message: `X did not show the members of the ${listName(list)} (${answer}): a private list shows them only to its owner. Make the list public in X, give the owner's OAuth 1.0a keys, or name its members as accounts.`
  }
}

/** A status other than 200: the credentials (fatal, as for an account), a private list, or an error of this list. */
function refusal(list: XList, response: HttpResponse, url: string, mask: Mask): ListProblem {
  const { message, code453 } = describeXError(parseJson(response.body), mask)
  if (response.status === 401 || code453) return { reason: 'error', message: authError(response, mask).message, fatal: true }
  if (response.status === 403) return privateList(list, `X answered 403 Forbidden${message ? `, ${quoteValue(message)}` : ''}`)
  if (response.status === 404) return { reason: 'not_found', message: `The ${listName(list)} was not found (X answered 404). Check the list's address in X.` }
  return {
    reason: 'error',
    message: `X answered ${response.status} from ${hostOf(url)}${message ? ` (${quoteValue(message)})` : ''} for the ${listName(list)}; its members were not collected. The next run tries again.`
  }
}

/** Reads X Lists with the X source's credentials, transport and parsing of a user. */
export function createXListReader(options: XSourceOptions): (list: XList, limit: number) => Promise<ListRead> {
  const mask = createMasker(secretsOf(options.auth))
  const sendOptions = xSendOptions(options, authorizer(options.auth), () => undefined)

  return async (list, limit) => {
    const read = emptyRead(list)
    const { warnings } = read.collection
    const members = new Map<string, Account>()
    const maxMembers = Math.min(limit, X_LIST_MAX_MEMBERS)
    const seen = new Set<string>()
    let cursor: string | undefined
    do {
      const query = new URLSearchParams({ max_results: String(X_LIST_PAGE_SIZE), 'user.fields': 'public_metrics' })
      if (cursor !== undefined) query.set('pagination_token', cursor)
      const url = `${options.apiUrl}/2/lists/${list.id}/members?${query.toString()}`
      const answer = await sendForList(list, { method: 'GET', url, headers: { 'user-agent': 'twitter-stats' } }, sendOptions)
      read.requests++
      if (isProblem(answer)) return { ...read, problem: answer }
      if (answer.status !== 200) return { ...read, problem: refusal(list, answer, url, mask) }
      const body = parseJson(answer.body) as { data?: unknown; errors?: unknown; meta?: { next_token?: unknown } } | undefined
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return {
          ...read,
          problem: {
            reason: 'error',
            message: `X answered 200 with a body that is not a list's members for the ${listName(list)}; its members were not collected.`
          }
        }
      }
      const problem = Array.isArray(body.errors) ? listProblem(list, body.errors as XListProblem[], mask) : undefined
      if (problem) return { ...read, problem }
      const users = Array.isArray(body.data) ? (body.data as unknown[]) : []
      const timestamp = Math.floor(options.deps.now() / 1000)
      let cut = false
      for (const user of users.slice(0, X_LIST_PAGE_SIZE)) {
        if ((cut = members.size >= maxMembers)) break
        read.usersReturned++
        const username = user && typeof user === 'object' ? (user as XUser).username : undefined
        if (typeof username !== 'string' || !X_USERNAME.test(username)) {
          warnings.push(`X returned a member of the ${listName(list)} without a valid username (${quoteValue(username, 40)}); it was left out.`)
          continue
        }
        const key = username.toLowerCase()
        if (members.has(key)) continue
        const account: Account = { network: 'x', handle: username, key }
        members.set(key, account)
        const result = readXUser(user as XUser, account, timestamp, warnings)
        if ('metrics' in result) read.collection.samples.push(result)
        else read.collection.failures.push(result)
      }
      const state = { members: members.size, pages: read.requests, cut }
      const limits = { members: maxMembers, pages: X_LIST_MAX_MEMBERS / X_LIST_PAGE_SIZE }
      cursor = nextCursor(body.meta?.next_token, seen, state, limits, listName(list), warnings)
    } while (cursor !== undefined)
    return { ...read, members: [...members.values()] }
  }
}
