import { NETWORKS, type Account, type Network } from '../model.js'
import { ConfigError, quote } from '../text/errors.js'
import { describeShape, splitLines } from '../text/lines.js'
import { mastodonListProblem, parseListEntry, MASTODON_LIST, type ListEntry } from './list-entries.js'

/** Each network as people write it, for every message a person reads. */
export const NETWORK_NAMES: Record<Network, string> = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon' }

/** A network id (from a log field or a table cell) as people write it; anything else unchanged. */
export function networkName(network: unknown): string {
  const known = NETWORKS.find((n) => n === network)
  return known ? NETWORK_NAMES[known] : typeof network === 'string' ? network : ''
}

export const MAX_ACCOUNTS = 10_000
/** Longest entry looked at; anything longer is rejected without being parsed (a pasted file, not an account). */
export const MAX_ENTRY_LENGTH = 300

export const X_USERNAME = /^[A-Za-z0-9_]{1,15}$/
const X_PROFILE_URL = /^https?:\/\/(?:www\.|mobile\.)?(?:x|twitter)\.com\/([^/?#]+)\/?(?:[?#].*)?$/i
const BLUESKY_PROFILE_URL = /^https?:\/\/(?:www\.)?bsky\.app\/profile\/([^/?#]+)\/?(?:[?#].*)?$/i
const MASTODON_PROFILE_URL = /^https?:\/\/([^/?#@:]+)\/@([^/?#@]+)\/?(?:[?#].*)?$/i
/** A domain name as atproto handles and Mastodon instances use: labels of letters, digits and inner hyphens. */
export const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
/** did:plc and did:web, the two DID methods Bluesky supports. */
export const DID = /^did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.-]{1,253})$/
export const MASTODON_USERNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$/

export const ACCEPTED_FORMS =
  'X: jack, x:jack or https://x.com/jack; Bluesky: alice.bsky.social, did:plc:…, bluesky:… or its bsky.app URL; Mastodon: user@instance.social, mastodon:… or its profile URL; lists: x-list:ID, bluesky-list:HANDLE/KEY, bluesky-starter-pack:HANDLE/KEY or their URLs'

/** Splits an account list on commas, semicolons, whitespace and every line end (\s has all of them but NEL, U+0085). */
export function splitAccountList(text: string): string[] {
  return text.split(/[\s,;\u0085]+/).filter((entry) => entry.length > 0)
}

function xAccount(entry: string): Account | undefined {
  const handle = entry.replace(/^@/, '')
  return X_USERNAME.test(handle) ? { network: 'x', handle, key: handle.toLowerCase() } : undefined
}

function blueskyAccount(entry: string): Account | undefined {
  const handle = entry.replace(/^@/, '')
  if (DID.test(handle)) return { network: 'bluesky', handle, key: handle }
  // A TLD is never all digits, so "1.2.3.4" is not a handle.
  if (DOMAIN.test(handle) && !/\.\d+$/.test(handle)) return { network: 'bluesky', handle, key: handle.toLowerCase() }
  return undefined
}

function mastodonAccount(entry: string): Account | undefined {
  const match = /^@?([^@]+)@([^@]+)$/.exec(entry)
  if (!match) return undefined
  const [, user, host] = match as unknown as [string, string, string]
  if (!MASTODON_USERNAME.test(user) || !DOMAIN.test(host)) return undefined
  const instance = host.toLowerCase()
  return { network: 'mastodon', handle: `${user}@${instance}`, key: `${user.toLowerCase()}@${instance}`, instance }
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** Reads one entry: an explicit prefix first, then URLs, then the entry's shape. */
export function parseAccountEntry(entry: string): Account | undefined {
  if (entry.length > MAX_ENTRY_LENGTH) return undefined
  const prefixed = /^(x|twitter|bluesky|bsky|mastodon):(.+)$/i.exec(entry)
  if (prefixed) {
    // Both groups take part in every match: the defaults are never used.
    const [, network = '', rest = ''] = prefixed
    const name = network.toLowerCase()
    if (name === 'x' || name === 'twitter') return xAccount(rest)
    if (name === 'bluesky' || name === 'bsky') return blueskyAccount(rest)
    return mastodonAccount(rest.startsWith('http') ? (profileUrlAccount(rest) ?? rest) : rest)
  }
  const fromX = X_PROFILE_URL.exec(entry)?.[1]
  if (fromX !== undefined) return xAccount(fromX)
  const fromBluesky = BLUESKY_PROFILE_URL.exec(entry)
  if (fromBluesky) {
    // A malformed escape (%E0%A4%A) is a bad entry, reported with the others, not a crash.
    const decoded = decodeOrUndefined(fromBluesky[1] ?? '')
    return decoded === undefined ? undefined : blueskyAccount(decoded)
  }
  if (/^https?:\/\//i.test(entry)) {
    const acct = profileUrlAccount(entry)
    return acct ? mastodonAccount(acct) : undefined
  }
  if (entry.startsWith('did:')) return blueskyAccount(entry)
  if (/^@?[^@]+@[^@]+$/.test(entry)) return mastodonAccount(entry)
  if (entry.includes('.')) return blueskyAccount(entry)
  return xAccount(entry)
}

/** https://instance.social/@user → user@instance.social */
function profileUrlAccount(url: string): string | undefined {
  const match = MASTODON_PROFILE_URL.exec(url)
  return match ? `${match[2]}@${match[1]}` : undefined
}

/** A list of accounts from one place: the `accounts` setting, an accounts file, an S3 object. */
export interface AccountList {
  /** Where the list came from, as a user would name it in a message: "`accounts`", "accounts-file lists.txt", "s3://bucket/key". */
  source: string
  text: string
  /** A file's lines (an accounts file, an S3 object): `#` comments are ignored. The setting has none. */
  file?: boolean
}

/**
 * The entries of a file: one or more a line, separated like the setting; blank lines and `#` comments
 * (a `#` at the start of a line or after whitespace, to the end of the line) are ignored.
 */
export function entriesOfFile(text: string): string[] {
  // Split on every line end first: `.` stops at a bare CR or U+2028, which would leave the rest of a comment behind.
  return splitLines(text).flatMap((line) => splitAccountList(line.replace(/(^|\s)#.*$/, '')))
}

/** Parses the `accounts` setting alone; see parseAccountLists. */
export function parseAccounts(text: string): Account[] {
  return parseAccountLists([{ source: '`accounts`', text }])
}

/** The accounts of parseEntryLists, without the lists. */
export function parseAccountLists(lists: AccountList[]): Account[] {
  return parseEntryLists(lists).accounts
}

/** What the account lists name: accounts, and lists (an X List, a Bluesky list or starter pack) to expand on every run. */
export interface Entries {
  accounts: Account[]
  lists: ListEntry[]
}

/**
 * Parses every list, merged in order. Every entry must be valid before anything is requested: the
 * error names each bad entry, where it came from, and the accepted forms. Duplicates (case-insensitive)
 * collapse to the first spelling, across lists too.
 */
export function parseEntryLists(lists: AccountList[]): Entries {
  const entries = lists.flatMap((list) => (list.file ? entriesOfFile(list.text) : splitAccountList(list.text)).map((entry) => ({ entry, source: list.source })))
  if (entries.length === 0) {
    const where = lists.map((list) => list.source).join(' and ') || '`accounts`'
    throw new ConfigError([
      `${where} ${lists.length > 1 ? 'are' : 'is'} empty: list at least one account, for example "jack, alice.bsky.social, user@mastodon.social"`
    ])
  }
  const bad: { entry: string; source: string }[] = []
  const mastodonLists: { entry: string; source: string }[] = []
  const seen = new Map<string, Account>()
  const parsed = new Map<string, number>()
  const parsedFrom = { add: (source: string) => parsed.set(source, (parsed.get(source) ?? 0) + 1) }
  const seenLists = new Map<string, ListEntry>()
  for (const { entry, source } of entries) {
    const list = entry.length > MAX_ENTRY_LENGTH ? undefined : parseListEntry(entry)
    if (list === MASTODON_LIST) mastodonLists.push({ entry, source })
    if (list === MASTODON_LIST || (list && seenLists.has(list.entry))) continue
    if (list) {
      parsedFrom.add(source)
      seenLists.set(list.entry, list)
      continue
    }
    const account = parseAccountEntry(entry)
    if (!account) {
      bad.push({ entry, source })
      continue
    }
    parsedFrom.add(source)
    const id = `${account.network}:${account.key}`
    if (!seen.has(id)) seen.set(id, account)
  }
  const unlike = notLikeLists(lists, bad, parsed)
  const problems = [...notLists(lists, unlike, parsed), ...badEntries(bad.filter((b) => !unlike.has(b.source)))]
  if (mastodonLists.length > 0) {
    problems.push(
      mastodonListProblem(
        mastodonLists.map((m) => m.entry),
        [...new Set(mastodonLists.map((m) => m.source))].join(' and ')
      )
    )
  }
  if (problems.length > 0) throw new ConfigError(problems)
  if (seen.size > MAX_ACCOUNTS) {
    throw new ConfigError([
      `${lists.map((list) => list.source).join(' and ')} list${lists.length > 1 ? '' : 's'} ${seen.size} accounts; one run handles at most ${MAX_ACCOUNTS}. Split the list across several workflows or steps.`
    ])
  }
  return { accounts: [...seen.values()], lists: [...seenLists.values()] }
}

/**
 * The files that do not read as lists of accounts, whatever they are (the process environment, a key, a binary file):
 * one with a control character other than a line end or tab, or with more entries that are not accounts than entries
 * that are. Their entries are never quoted (a few words of an environment can pass for accounts).
 */
function notLikeLists(lists: AccountList[], bad: { source: string }[], parsed: Map<string, number>): Set<string> {
  const badCount = new Map<string, number>()
  for (const { source } of bad) badCount.set(source, (badCount.get(source) ?? 0) + 1)
  return new Set(
    lists
      .filter((list) => list.file && badCount.has(list.source))
      // eslint-disable-next-line no-control-regex
      .filter((list) => /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(list.text) || (badCount.get(list.source) ?? 0) > (parsed.get(list.source) ?? 0))
      .map((list) => list.source)
  )
}

/** Each file that does not read as a list of accounts is described by shape, never quoted. */
function notLists(lists: AccountList[], unlike: Set<string>, parsed: Map<string, number>): string[] {
  return lists
    .filter((list) => unlike.has(list.source))
    .map((list) => {
      const what = parsed.has(list.source) ? 'does not read as a list of accounts' : 'holds no account'
      return `${list.source} ${what} (${describeShape(list.text)}; not quoted, as it may not be a list of accounts). Name a text file with one or more accounts a line, in these forms: ${ACCEPTED_FORMS}.`
    })
}

function badEntries(bad: { entry: string; source: string }[]): string[] {
  if (bad.length === 0) return []
  const sources = [...new Set(bad.map((b) => b.source))].join(' and ')
  const shown = bad
    .slice(0, 10)
    .map(({ entry }) => quote(entry))
    .join(', ')
  const more = bad.length > 10 ? ` and ${bad.length - 10} more` : ''
  return [
    `${bad.length === 1 ? `this entry in ${sources} is not` : `these entries in ${sources} are not`} a valid account: ${shown}${more}. Accepted forms: ${ACCEPTED_FORMS}. An X username has 1 to 15 letters, digits or _.`
  ]
}
