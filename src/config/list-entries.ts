/**
 * List entries: an X List, a Bluesky list or a Bluesky starter pack named in the account list, expanded to its
 * members on every run (src/sources/lists/). Here only their forms: what the user wrote in, one `ListEntry` out.
 */
import { parseAccountEntry } from './accounts.js'
import { quote } from '../text/errors.js'

export type ListEntry =
  | {
      network: 'x'
      kind: 'x-list'
      /** The list's id: 1 to 19 digits (the X API's ListId pattern). */
      id: string
      /** The list as people read it, one spelling for every form: its URL. */
      entry: string
    }
  | {
      network: 'bluesky'
      kind: 'bluesky-list' | 'bluesky-starter-pack'
      /** The owner: a handle (lower case) or a DID, as the entry gave it. */
      actor: string
      /** The record key of the list or starter-pack record. */
      rkey: string
      entry: string
    }

const X_LIST_URL = /^https?:\/\/(?:www\.|mobile\.)?(?:x|twitter)\.com\/i\/lists\/([^/?#]+)(?:\/members)?\/?(?:[?#].*)?$/i
const X_LIST_SHORT = /^x-list:(.+)$/i
const X_LIST_ID = /^[0-9]{1,19}$/
const BLUESKY_LIST_URL = /^https?:\/\/(?:www\.)?bsky\.app\/profile\/([^/?#]+)\/lists\/([^/?#]+)\/?(?:[?#].*)?$/i
const BLUESKY_PACK_URL = /^https?:\/\/(?:www\.)?bsky\.app\/(?:starter-pack|start)\/([^/?#]+)\/([^/?#]+)\/?(?:[?#].*)?$/i
const AT_URI = /^at:\/\/([^/?#]+)\/(app\.bsky\.graph\.list|app\.bsky\.graph\.starterpack)\/([^/?#]+)$/
const BLUESKY_SHORT = /^(bluesky-list|bsky-list|bluesky-starter-pack|bsky-starter-pack):([^/]+)\/([^/]+)$/i
/** An atproto record key: 1 to 512 of these characters, never "." or "..". */
const RECORD_KEY = /^[A-Za-z0-9._:~-]{1,512}$/
const MASTODON_LIST_URL = /^https?:\/\/([^/?#@:]+)\/lists\/[^/?#]+\/?(?:[?#].*)?$/i

/** What parseListEntry answers for a Mastodon list URL: a form recognised, and refused with its reason. */
export const MASTODON_LIST = 'mastodon-list'

function xList(id: string): ListEntry | undefined {
  return X_LIST_ID.test(id) ? { network: 'x', kind: 'x-list', id, entry: `https://x.com/i/lists/${id}` } : undefined
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

function blueskyList(kind: 'bluesky-list' | 'bluesky-starter-pack', rawActor: string, rawRkey: string): ListEntry | undefined {
  const actorText = decoded(rawActor)
  const rkey = decoded(rawRkey)
  if (actorText === undefined || rkey === undefined || !RECORD_KEY.test(rkey) || rkey === '.' || rkey === '..') return undefined
  // The owner is a handle or a DID by the same rules as an account.
  const owner = parseAccountEntry(`bluesky:${actorText}`)
  if (!owner) return undefined
  const actor = owner.key
  const entry = kind === 'bluesky-list' ? `https://bsky.app/profile/${actor}/lists/${rkey}` : `https://bsky.app/starter-pack/${actor}/${rkey}`
  return { network: 'bluesky', kind, actor, rkey, entry }
}

/** Reads one entry as a list; undefined when it is no list form (an account, or nothing valid). */
export function parseListEntry(entry: string): ListEntry | typeof MASTODON_LIST | undefined {
  const xUrl = X_LIST_URL.exec(entry) ?? X_LIST_SHORT.exec(entry)
  if (xUrl) return xList(xUrl[1] ?? '')
  const listUrl = BLUESKY_LIST_URL.exec(entry)
  if (listUrl) return blueskyList('bluesky-list', listUrl[1] ?? '', listUrl[2] ?? '')
  const packUrl = BLUESKY_PACK_URL.exec(entry)
  if (packUrl) return blueskyList('bluesky-starter-pack', packUrl[1] ?? '', packUrl[2] ?? '')
  const atUri = AT_URI.exec(entry)
  if (atUri) return blueskyList(atUri[2] === 'app.bsky.graph.list' ? 'bluesky-list' : 'bluesky-starter-pack', atUri[1] ?? '', atUri[3] ?? '')
  const short = BLUESKY_SHORT.exec(entry)
  if (short) return blueskyList(/list$/i.test(short[1] ?? '') ? 'bluesky-list' : 'bluesky-starter-pack', short[2] ?? '', short[3] ?? '')
  const mastodon = MASTODON_LIST_URL.exec(entry)
  if (mastodon && !/(^|\.)(x|twitter)\.com$|(^|\.)bsky\.app$/i.test(mastodon[1] ?? '')) return MASTODON_LIST
  return undefined
}

/** The refusal of Mastodon list URLs: why they are not read, and what to do instead. */
export function mastodonListProblem(entries: string[], source: string): string {
  const shown = entries
    .slice(0, 3)
    .map((entry) => quote(entry))
    .join(', ')
  const more = entries.length > 3 ? ` and ${entries.length - 3} more` : ''
  return `${entries.length === 1 ? 'this entry' : 'these entries'} in ${source} ${entries.length === 1 ? 'is a Mastodon list' : 'are Mastodon lists'}: ${shown}${more}. Mastodon shows a list's members only to its owner, through a user's access token with the read:lists scope, so twitter-stats does not read Mastodon lists. Name the members as accounts (user@instance.social), for example in an accounts file, or keep them in an X or Bluesky list.`
}
