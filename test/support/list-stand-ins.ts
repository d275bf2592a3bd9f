/**
 * The networks' list endpoints on the stand-ins, shaped as the specs give them: X's GET /2/lists/:id/members
 * (xdevplatform/xdk specs/openapi.json: data, errors, meta.next_token) added to the X stand-in, and Bluesky's
 * resolveHandle, getList and getStarterPack (the atproto lexicons) beside getProfiles.
 */
import { startBlueskyStandIn, type BlueskyProfile } from './network-stand-ins.js'
import { metricsFor, type Answer, type StandIn, type XStandIn } from './stand-ins.js'

/** An X List's members (usernames), or how X answers for one that cannot be read. */
export type XListSpec = string[] | 'missing' | 'private'

/** `n` X usernames from `prefix`, for lists. */
export function xNames(n: number, prefix = 'member'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`)
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body: JSON.stringify(body), headers }
}

/**
 * Adds X Lists to an X stand-in: 100 members a page at most (max_results), each with its public_metrics, and
 * meta.next_token while more follow. A missing list is 200 with an errors entry of resource_type "list"; a private
 * one is 403. The credentials are checked as for a lookup (the stand-in's own 401).
 */
export function addXLists(x: XStandIn, lists: Record<string, XListSpec>): void {
  x.override = (request, _index, normal) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    const match = /^\/2\/lists\/([^/]+)\/members$/.exec(url.pathname)
    if (!match) return undefined
    const refused = normal()
    if (refused.status === 401) return refused
    const id = match[1] ?? ''
    const list = lists[id]
    if (list === undefined || list === 'missing') {
      return json(200, {
        errors: [
          {
            value: id,
            detail: `Could not find list with id: [${id}].`,
            title: 'Not Found Error',
            resource_type: 'list',
            parameter: 'id',
            resource_id: id,
            type: 'https://api.twitter.com/2/problems/resource-not-found'
          }
        ]
      })
    }
    if (list === 'private') return json(403, { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'Forbidden' })
    const size = Math.min(100, Number(url.searchParams.get('max_results') ?? '100'))
    const start = Number(url.searchParams.get('pagination_token')?.replace('page-', '') ?? '0')
    const page = list.slice(start, start + size)
    const data = page.map((username, i) => ({
      id: String(2_000_000 + start + i),
      name: username.toUpperCase(),
      username,
      public_metrics: metricsFor(start + i)
    }))
    const meta: Record<string, unknown> = { result_count: data.length }
    if (start + size < list.length) meta.next_token = `page-${start + size}`
    if (start > 0) meta.previous_token = `page-${start - size}`
    const reset = String(Math.floor(Date.now() / 1000) + 900)
    return json(200, data.length > 0 ? { data, meta } : { meta }, { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': '899', 'x-rate-limit-reset': reset })
  }
}

/** A Bluesky list or starter pack on the stand-in: its owner, its record key and its members' DIDs. */
export interface BlueskyListSpec {
  owner: string
  rkey: string
  members: string[]
  /** Also a starter pack, with this record key, whose list this is. */
  starterPack?: string
}

export interface BlueskyListStandIn extends StandIn {
  /** Requests per XRPC method, for the cost assertions. */
  calls(method: string): number
  /** Makes getList answer this cursor on every page: a cursor that repeats. */
  repeatCursor: string | undefined
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

function base32(n: number): string {
  let text = ''
  do {
    text = `${BASE32[n % 32]}${text}`
    n = Math.floor(n / 32)
  } while (n > 0)
  return text
}

/** `n` profiles of distinct DIDs (did:plc: and 24 base32 characters) and handles; `prefix` is one letter. */
export function blueskyProfiles(n: number, prefix = 'm'): BlueskyProfile[] {
  return Array.from({ length: n }, (_, i) => ({
    did: `did:plc:${`${prefix}${base32(i)}`.padStart(24, 'q')}`,
    handle: `${prefix}${i}.bsky.social`,
    followersCount: 100 + i,
    followsCount: 10 + i,
    postsCount: 1000 + i
  }))
}

function profileView(profile: BlueskyProfile): Record<string, unknown> {
  return { did: profile.did, handle: profile.handle, displayName: profile.handle.split('.')[0], labels: [], indexedAt: '2024-01-01T00:00:00.000Z' }
}

/**
 * The Bluesky stand-in with lists: com.atproto.identity.resolveHandle (400 "Unable to resolve handle"),
 * app.bsky.graph.getStarterPack (400 "Starter pack not found"), app.bsky.graph.getList with limit and cursor
 * (400 "List not found"), and app.bsky.actor.getProfiles as in network-stand-ins.ts.
 */
export async function startBlueskyListStandIn(profiles: BlueskyProfile[], lists: BlueskyListSpec[]): Promise<BlueskyListStandIn> {
  const standIn = (await startBlueskyStandIn(profiles)) as BlueskyListStandIn
  standIn.repeatCursor = undefined
  standIn.calls = (method) => standIn.requests.filter((r) => new URL(r.url, 'http://127.0.0.1').pathname === `/xrpc/${method}`).length
  const owner = (did: string): BlueskyProfile | undefined => profiles.find((p) => p.did === did)
  const listUri = (list: BlueskyListSpec): string => `at://${list.owner}/app.bsky.graph.list/${list.rkey}`
  standIn.override = (request) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    const param = (name: string): string => url.searchParams.get(name) ?? ''
    if (url.pathname === '/xrpc/com.atproto.identity.resolveHandle') {
      const profile = profiles.find((p) => p.handle.toLowerCase() === param('handle').toLowerCase())
      return profile ? json(200, { did: profile.did }) : json(400, { error: 'InvalidRequest', message: 'Unable to resolve handle' })
    }
    if (url.pathname === '/xrpc/app.bsky.graph.getStarterPack') {
      const list = lists.find((l) => l.starterPack !== undefined && param('starterPack') === `at://${l.owner}/app.bsky.graph.starterpack/${l.starterPack}`)
      if (!list) return json(400, { error: 'InvalidRequest', message: 'Starter pack not found' })
      const uri = listUri(list)
      const creator = owner(list.owner)
      return json(200, {
        starterPack: {
          uri: param('starterPack'),
          cid: 'bafyreia',
          record: { $type: 'app.bsky.graph.starterpack', name: 'Pack', list: uri, createdAt: '2024-06-01T00:00:00.000Z' },
          creator: creator ? profileView(creator) : { did: list.owner, handle: 'handle.invalid' },
          list: { uri, cid: 'bafyreib', name: 'Pack list', purpose: 'app.bsky.graph.defs#referencelist', listItemCount: list.members.length },
          listItemsSample: [],
          indexedAt: '2024-06-01T00:00:00.000Z'
        }
      })
    }
    if (url.pathname === '/xrpc/app.bsky.graph.getList') {
      const list = lists.find((l) => listUri(l) === param('list'))
      if (!list) return json(400, { error: 'InvalidRequest', message: 'List not found' })
      const limit = Math.min(100, Number(param('limit') || '50'))
      const start = Number(param('cursor') || '0')
      const items = list.members.slice(start, start + limit).map((did, i) => {
        const profile = owner(did)
        return {
          uri: `at://${list.owner}/app.bsky.graph.listitem/item${start + i}`,
          subject: profile ? profileView(profile) : { did, handle: 'handle.invalid' }
        }
      })
      const creator = owner(list.owner)
      const body: Record<string, unknown> = {
        list: {
          uri: listUri(list),
          cid: 'bafyreib',
          creator: creator ? profileView(creator) : { did: list.owner, handle: 'handle.invalid' },
          name: 'A list',
          purpose: 'app.bsky.graph.defs#curatelist',
          indexedAt: '2024-06-01T00:00:00.000Z'
        },
        items
      }
      if (standIn.repeatCursor !== undefined) body.cursor = standIn.repeatCursor
      else if (start + limit < list.members.length) body.cursor = String(start + limit)
      return json(200, body)
    }
    return undefined
  }
  return standIn
}
