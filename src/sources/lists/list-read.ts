/** What reading one list gives, whatever its network, and the checks every list reader shares. */
import type { Account, FailureReason } from '../../model.js'
import type { ListEntry } from '../../config/list-entries.js'
import { NetworkError, RateLimitError } from '../../http/errors.js'
import { send, type HttpRequest, type HttpResponse, type SendOptions } from '../../http/send.js'
import { emptyCollection } from '../shared.js'
import type { Collection } from '../types.js'

/** Why a list, or the rest of it, could not be read: named with what to do. */
export interface ListProblem {
  reason: FailureReason
  message: string
  /** The network refused the credentials: nothing of that network is sent (as with an account). */
  fatal?: boolean
}

export interface ListRead {
  list: ListEntry
  /** The members read, each once, in the list's order. */
  members: Account[]
  /** X: the members' samples and failures, from the list's own pages. Bluesky: empty (getProfiles gives the counts). */
  collection: Collection
  /** Requests made for this list (pages, handle resolution, the starter pack). */
  requests: number
  /** Users the network returned, duplicates included: what X bills. */
  usersReturned: number
  problem?: ListProblem
}

export function emptyRead(list: ListEntry): ListRead {
  return { list, members: [], collection: emptyCollection(), requests: 0, usersReturned: 0 }
}

/** Sends one request for a list; a rate limit that outlasts the wait or no answer at all becomes the list's problem. */
export async function sendForList(list: ListEntry, request: HttpRequest, options: SendOptions): Promise<HttpResponse | ListProblem> {
  try {
    return await send(request, options)
  } catch (error) {
    const read = `so the ${listName(list)} was not read, or not all of it`
    if (error instanceof RateLimitError) {
      return { reason: 'rate_limited', message: `${error.message} ${read}; raise ${error.limitedBy} or run less often.` }
    }
    if (error instanceof NetworkError) return { reason: 'error', message: `${error.message} ${read}; the next run tries again.` }
    throw error
  }
}

export function isProblem(value: HttpResponse | ListProblem): value is ListProblem {
  return 'reason' in value
}

/** "X list https://x.com/i/lists/1", "Bluesky starter pack https://bsky.app/starter-pack/…", for messages. */
export function listName(list: ListEntry): string {
  const kind = list.kind === 'x-list' ? 'X list' : list.kind === 'bluesky-list' ? 'Bluesky list' : 'Bluesky starter pack'
  return `${kind} ${list.entry}`
}

/**
 * Whether to ask for another page: the network gave a cursor, it is new (a cursor seen before would loop
 * forever), and the list is within its limits. Says why when it stops early.
 */
export function nextCursor(
  next: unknown,
  seen: Set<string>,
  /** `cut`: the last page had members past the limit. */
  state: { members: number; pages: number; cut?: boolean },
  limits: { members: number; pages: number },
  name: string,
  warnings: string[]
): string | undefined {
  const stop = (why: string): undefined => {
    warnings.push(`The ${name} was read as far as ${state.members} member(s): ${why}; the members after those were not collected.`)
    return undefined
  }
  const limit = `one run reads at most ${limits.members} members of this list`
  if (state.cut) return stop(limit)
  if (typeof next !== 'string' || next === '') return undefined
  if (next.length > 1_000) return stop('the network answered a cursor of more than 1,000 characters')
  if (seen.has(next)) return stop('the network answered a cursor it had given before, which would read the same pages forever')
  if (state.members >= limits.members) return stop(limit)
  if (state.pages >= limits.pages) return stop(`${state.pages} pages were read and the network still gave a next one`)
  seen.add(next)
  return next
}
