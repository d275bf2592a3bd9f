/**
 * The network's own id and name for an account, read from an answer and held to the network's rules, so the state
 * can follow a rename. A value that breaks them is left out, never trusted: it goes into the next run's request URLs.
 */
import type { Account, Sample } from '../model.js'
import { DID, DOMAIN, MASTODON_USERNAME, X_USERNAME } from '../config/accounts.js'

/** X's UserId (xdevplatform/xdk specs/openapi.json): "^[0-9]{1,19}$". */
export const X_USER_ID = /^[0-9]{1,19}$/
/**
 * Mastodon's Account.id is "String (cast from an integer, but not guaranteed to be a number)": Mastodon's own are
 * decimal, other servers use flake ids or ULIDs; letters and digits only keep it safe in a URL path.
 */
export const MASTODON_ACCOUNT_ID = /^[A-Za-z0-9]{1,64}$/
/** The handle an atproto AppView gives an account whose handle no longer verifies. */
const INVALID_HANDLE = 'handle.invalid'

export type Identity = Pick<Sample, 'id' | 'name'>

function matching(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === 'string' && pattern.test(value) ? value : undefined
}

function blueskyHandle(value: unknown): string | undefined {
  const handle = matching(value, DOMAIN)
  return handle !== undefined && handle.toLowerCase() !== INVALID_HANDLE && !/\.\d+$/.test(handle) ? handle : undefined
}

/** Mastodon's `acct` ("username" for a local account, "username@domain" for a remote one), else `username` on the account's instance. */
function mastodonName(acct: unknown, username: unknown, instance: string | undefined): string | undefined {
  if (typeof acct === 'string' && acct.includes('@')) {
    const [user, host, ...rest] = acct.split('@')
    return rest.length === 0 && matching(user, MASTODON_USERNAME) && matching(host, DOMAIN) ? `${user}@${host?.toLowerCase()}` : undefined
  }
  const user = matching(acct, MASTODON_USERNAME) ?? matching(username, MASTODON_USERNAME)
  return user !== undefined && instance !== undefined ? `${user}@${instance}` : undefined
}

/** Only the fields present: a sample without them is what it was before ids were kept. */
function present(id: string | undefined, name: string | undefined): Identity {
  return { ...(id === undefined ? {} : { id }), ...(name === undefined ? {} : { name }) }
}

/** X: the user's `id` and `username`. */
export function xIdentity(user: { id?: unknown; username?: unknown }): Identity {
  return present(matching(user.id, X_USER_ID), matching(user.username, X_USERNAME))
}

/** Bluesky: the profile's `did` and `handle` (app.bsky.actor.defs#profileViewDetailed). */
export function blueskyIdentity(profile: { did?: unknown; handle?: unknown }): Identity {
  return present(matching(profile.did, DID), blueskyHandle(profile.handle))
}

/** Mastodon: the Account entity's `id`, and its `acct` (or `username`) as `user@instance`. */
export function mastodonIdentity(body: { id?: unknown; acct?: unknown; username?: unknown }, account: Account): Identity {
  return present(matching(body.id, MASTODON_ACCOUNT_ID), mastodonName(body.acct, body.username, account.instance))
}
