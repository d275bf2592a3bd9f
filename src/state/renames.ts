/**
 * Renames and disappearances: an account the list names that the network no longer finds by its name, but whose
 * id the state knows, is looked up by that id and collected under the list's name, so its graph goes on; one the
 * network no longer knows by its id either is reported with the followers it had.
 */
import type { Account, Network, Sample, Failure } from '../model.js'
import { NETWORK_NAMES } from '../config/accounts.js'
import { combine, emptyCollection } from '../sources/shared.js'
import type { Collection, Source, WantedById } from '../sources/types.js'
import { messageOf } from '../text/errors.js'
import { oneLine } from '../text/foreign-text.js'
import { stateKey } from './format.js'
import type { KnownAccount } from './run-state.js'

/** Keyed by `${network}:${account.key}` (stateKey), as knownAccounts reads them from the state. */
export type KnownAccounts = ReadonlyMap<string, KnownAccount>

/** An account collected by its id under another name than the list's. */
export interface Rename {
  account: Account
  id: string
  /** The name the network gives it now; absent when the answer gave none that is valid. */
  name?: string
  message: string
}

/** An account the state knew that the network no longer knows, by name or by id. */
export interface Gone {
  account: Account
  id: string
  /** Its followers when it was last collected, when the state holds them. */
  followers?: number
  message: string
}

export interface FollowedRenames {
  collection: Collection
  renames: Rename[]
  gone: Gone[]
}

const followable = (failure: Failure): boolean => !failure.fatal && (failure.reason === 'not_found' || failure.reason === 'suspended')

/** The accounts to look up by id: failed as not found or suspended, their id known, each id asked once per network. */
function wantedByIds(collection: Collection, known: KnownAccounts): Map<Network, WantedById[]> {
  const wanted = new Map<Network, WantedById[]>()
  const asked = new Set<string>()
  for (const account of collection.failures.filter(followable).flatMap((f) => f.accounts)) {
    const id = known.get(stateKey(account))?.id
    // A Bluesky account listed by its DID was already asked for by that id.
    if (id === undefined || id === account.key || asked.has(`${account.network}:${id}`)) continue
    asked.add(`${account.network}:${id}`)
    wanted.set(account.network, [...(wanted.get(account.network) ?? []), { account, id }])
  }
  return wanted
}

/** Runs each network's lookup by id; a source that throws costs only its own lookups, which then stay failed. */
async function lookUp(wanted: Map<Network, WantedById[]>, sources: readonly Source[], onProgress?: (settled: number) => void): Promise<Collection> {
  const results = await Promise.all(
    [...wanted].map(async ([network, list]) => {
      const source = sources.find((s) => s.network === network)
      if (!source?.lookupByIds) return undefined
      try {
        return await source.lookupByIds(list, onProgress)
      } catch (error) {
        const lost = emptyCollection()
        lost.warnings.push(
          `Looking up ${list.length} ${NETWORK_NAMES[network]} account(s) by id failed (${oneLine(messageOf(error), 300)}); they stay not collected.`
        )
        return lost
      }
    })
  )
  return combine(results)
}

/** A name from the answer (held to the network's rules by the source), written as people do: @jack_renamed. */
const shown = (name: string): string => `@${oneLine(name, 260)}`

function renameMessage(account: Account, id: string, name: string | undefined, alsoListed: boolean): string {
  const network = NETWORK_NAMES[account.network]
  if (name === undefined)
    return `${network} account ${account.handle} was found by its id ${id} under no valid name: check it on ${network} and update the account list.`
  if (alsoListed) {
    return `${network} account ${account.handle} is now ${shown(name)}, which the list also names: remove ${account.handle} from the account list.`
  }
  return `${network} account ${account.handle} is now ${shown(name)}: update the account list.`
}

function goneMessage(account: Account, followers: number | undefined): string {
  const had = followers === undefined ? '' : `; it had ${followers.toLocaleString('en-US')} followers`
  return `${NETWORK_NAMES[account.network]} account ${account.handle} was suspended or deleted since the last run${had}.`
}

/**
 * Looks up by id the not-found and suspended accounts whose id `known` holds, moves those found from the
 * failures to the samples (the account the list names, so the series keep its name and tags) and says what
 * happened to each: renamed (update the list), or gone (with its last followers). Never throws.
 */
export async function followRenames(
  collection: Collection,
  known: KnownAccounts,
  sources: readonly Source[],
  onProgress?: (settled: number) => void
): Promise<FollowedRenames> {
  const wanted = wantedByIds(collection, known)
  if (wanted.size === 0) return { collection, renames: [], gone: [] }
  const asked = new Map([...wanted.values()].flat().map((w) => [w.account, w.id]))
  const found = await lookUp(wanted, sources, onProgress)

  const renames: Rename[] = []
  const gone: Gone[] = []
  const collected = new Set<Account>()
  const samples: Sample[] = []
  const idsCollected = new Set(collection.samples.filter((s) => s.id !== undefined).map((s) => `${s.account.network}:${s.id}`))
  for (const sample of found.samples) {
    const id = asked.get(sample.account)
    // Only an answer for an account asked, with the very id asked (a source checks it too).
    if (id === undefined || sample.id !== id || collected.has(sample.account)) continue
    const alsoListed = idsCollected.has(`${sample.account.network}:${id}`)
    const renamed = sample.name === undefined || sample.name.toLowerCase() !== sample.account.key
    if (renamed || alsoListed)
      renames.push({
        account: sample.account,
        id,
        ...(sample.name === undefined ? {} : { name: sample.name }),
        message: renameMessage(sample.account, id, sample.name, alsoListed)
      })
    if (alsoListed) continue // one profile is sent once, under the name the list gives it now
    collected.add(sample.account)
    samples.push(sample)
  }
  const goneMessages = new Map<Account, string>()
  for (const failure of found.failures) {
    if (!followable(failure)) {
      found.warnings.push(failure.message)
      continue
    }
    for (const account of failure.accounts) {
      const id = asked.get(account)
      if (id === undefined || goneMessages.has(account)) continue
      const followers = known.get(stateKey(account))?.followers
      const message = goneMessage(account, followers)
      goneMessages.set(account, message)
      gone.push({ account, id, ...(followers === undefined ? {} : { followers }), message })
    }
  }

  const failures = collection.failures.flatMap((failure): Failure[] => {
    const accounts = failure.accounts.filter((a) => !collected.has(a))
    if (accounts.length === 0 && !failure.fatal) return []
    // A failure of one account the network no longer knows by its id either says so, with its last followers.
    const [only] = accounts
    const message = accounts.length === 1 && only && goneMessages.has(only) ? (goneMessages.get(only) ?? failure.message) : failure.message
    return [{ ...failure, accounts, message }]
  })
  const rateLimitRemaining = Math.min(collection.rateLimitRemaining ?? Infinity, found.rateLimitRemaining ?? Infinity)
  return {
    collection: {
      ...collection,
      samples: [...collection.samples, ...samples],
      failures,
      warnings: [...collection.warnings, ...found.warnings],
      ...(Number.isFinite(rateLimitRemaining) ? { rateLimitRemaining } : {})
    },
    renames,
    gone
  }
}
