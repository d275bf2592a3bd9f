/** Local stand-ins for the Bluesky AppView and a Mastodon instance, answering as their public docs describe. */
import { start, type StandIn } from './stand-ins.js'

export interface BlueskyProfile {
  did: string
  handle: string
  followersCount: number
  followsCount: number
  postsCount: number
}

/** `app.bsky.actor.getProfiles`: known actors in `profiles`; unknown or taken-down ones simply absent. */
export async function startBlueskyStandIn(profiles: BlueskyProfile[]): Promise<StandIn> {
  return start((request) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    if (url.pathname !== '/xrpc/app.bsky.actor.getProfiles') {
      return { status: 404, body: JSON.stringify({ error: 'MethodNotImplemented', message: 'Method Not Implemented' }) }
    }
    const actors = url.searchParams.getAll('actors')
    if (actors.length === 0 || actors.length > 25) {
      return { status: 400, body: JSON.stringify({ error: 'InvalidRequest', message: 'Error: actors must not have more than 25 elements' }) }
    }
    const found = actors
      .map((actor) => profiles.find((p) => p.did === actor || p.handle.toLowerCase() === actor.toLowerCase()))
      .filter((p): p is BlueskyProfile => p !== undefined)
      .map((p) => ({ ...p, displayName: p.handle.split('.')[0], labels: [], createdAt: '2023-04-01T00:00:00.000Z', indexedAt: '2024-01-01T00:00:00.000Z' }))
    const reset = Math.floor(Date.now() / 1000) + 300
    return {
      status: 200,
      headers: { 'ratelimit-limit': '3000', 'ratelimit-remaining': '2999', 'ratelimit-reset': String(reset), 'ratelimit-policy': '3000;w=300' },
      body: JSON.stringify({ profiles: found })
    }
  })
}

export interface MastodonAccount {
  /** The account's id; `100 + its place in the list` unless given. */
  id?: string
  username: string
  followers_count: number
  following_count: number
  statuses_count: number
  suspended?: boolean
}

/**
 * `GET /api/v1/accounts/lookup?acct=user` and `GET /api/v1/accounts/:id` for several instances behind one base URL
 * (as with the mastodon-api-url setting): the instance is not in the URL, so accounts are looked up by name or id.
 * The list is read at each request, so a test can rename or remove an account. Unknown ones get 404 {"error":"Record not found"}.
 */
export async function startMastodonStandIn(accounts: MastodonAccount[]): Promise<StandIn> {
  const idOf = (account: MastodonAccount): string => account.id ?? String(100 + accounts.indexOf(account))
  return start((request) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    const byId = /^\/api\/v1\/accounts\/([^/]+)$/.exec(url.pathname)?.[1]
    if (url.pathname !== '/api/v1/accounts/lookup' && byId === undefined) return { status: 404, body: JSON.stringify({ error: 'Record not found' }) }
    // Asked for user@instance (as through mastodon-api-url), it answers as that instance does for its own account.
    const [acct = ''] = (url.searchParams.get('acct') ?? '').split('@', 1)
    const account =
      byId === undefined || byId === 'lookup'
        ? accounts.find((a) => a.username.toLowerCase() === acct.toLowerCase())
        : accounts.find((a) => idOf(a) === decodeURIComponent(byId))
    // Answers take 20 ms, so requests sent at once are in flight together (see inFlightPeak).
    if (!account) return { status: 404, body: JSON.stringify({ error: 'Record not found' }), delayMs: 20 }
    const body = {
      id: idOf(account),
      username: account.username,
      acct: account.username,
      display_name: account.username,
      locked: false,
      bot: false,
      created_at: '2022-11-01T00:00:00.000Z',
      note: '',
      url: `https://instance.example/@${account.username}`,
      followers_count: account.suspended ? 0 : account.followers_count,
      following_count: account.suspended ? 0 : account.following_count,
      statuses_count: account.suspended ? 0 : account.statuses_count,
      ...(account.suspended ? { suspended: true } : {})
    }
    return {
      status: 200,
      headers: { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299', 'x-ratelimit-reset': new Date(Date.now() + 300_000).toISOString() },
      body: JSON.stringify(body),
      delayMs: 20
    }
  })
}
