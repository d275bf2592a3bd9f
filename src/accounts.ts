import { ConfigError, quote } from './errors.js'

export type Network = 'x'

/** One account to collect, normalised. `key` is the case-insensitive identity used to drop duplicates. */
export interface Account {
  network: Network
  /** The handle as the user typed it, without `@` or URL. */
  handle: string
  /** Lowercased handle: the `account:` tag value and the identity for de-duplication. */
  key: string
}

export const MAX_ACCOUNTS = 10_000
const X_USERNAME = /^[A-Za-z0-9_]{1,15}$/
const X_PROFILE_URL = /^https?:\/\/(?:www\.|mobile\.)?(?:x|twitter)\.com\/([^/?#]+)\/?(?:[?#].*)?$/i

/** Splits an account list on commas, semicolons, whitespace and newlines. */
export function splitAccountList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((entry) => entry.length > 0)
}

function parseXEntry(entry: string): Account | undefined {
  const fromUrl = X_PROFILE_URL.exec(entry)
  const handle = fromUrl ? fromUrl[1]! : entry.replace(/^@/, '')
  if (!X_USERNAME.test(handle)) return undefined
  return { network: 'x', handle, key: handle.toLowerCase() }
}

/**
 * Parses the `accounts` setting. Every entry must be valid before anything is requested:
 * the error names each bad entry. Duplicates (case-insensitive) collapse to the first spelling.
 */
export function parseAccounts(text: string): Account[] {
  const entries = splitAccountList(text)
  if (entries.length === 0) {
    throw new ConfigError(['`accounts` is empty: list at least one X username, for example "jack, nasa"'])
  }
  const bad: string[] = []
  const seen = new Map<string, Account>()
  for (const entry of entries) {
    const account = parseXEntry(entry)
    if (!account) {
      bad.push(entry)
      continue
    }
    const id = `${account.network}:${account.key}`
    if (!seen.has(id)) seen.set(id, account)
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).map((entry) => quote(entry)).join(', ')
    const more = bad.length > 10 ? ` and ${bad.length - 10} more` : ''
    throw new ConfigError([
      `${bad.length === 1 ? 'this entry in `accounts` is not' : 'these entries in `accounts` are not'} a valid X username: ${shown}${more}. ` +
        'A username is 1 to 15 letters, digits or underscores, optionally written as @name or https://x.com/name.'
    ])
  }
  if (seen.size > MAX_ACCOUNTS) {
    throw new ConfigError([
      `\`accounts\` lists ${seen.size} accounts; one run handles at most ${MAX_ACCOUNTS}. Split the list across several workflows or steps.`
    ])
  }
  return [...seen.values()]
}
