/**
 * The lists of a run expanded to their members, before collection: every list read on every run, so an edit in
 * the network's own app applies at the next run. One account, one set of series: a member also named on its own,
 * or in two lists, is collected once, under the first spelling. A list that cannot be read fails alone, as one
 * failed entry named by its address, so the counts stay honest.
 */
import type { Account, Network, Failure } from '../../model.js'
import { MAX_ACCOUNTS } from '../../config/accounts.js'
import type { ListEntry } from '../../config/list-entries.js'
import type { Config } from '../../config/parse.js'
import { mapWithConcurrency } from '../../http/concurrency.js'
import type { HttpDeps, RunBounds } from '../../http/send.js'
import type { Logger } from '../../log.js'
import { oneLine } from '../../text/foreign-text.js'
import { messageOf } from '../../text/errors.js'
import { emptyCollection } from '../shared.js'
import type { Collection } from '../types.js'
import { createBlueskyListReader } from './bluesky-list.js'
import { emptyRead, listName, type ListRead } from './list-read.js'
import { createXListReader } from './x-list.js'

/** One list as the report shows it: the `--json` report's `lists`, the summary's line. */
export interface ListReport {
  entry: string
  network: Network
  /** Members read (each once within the list), whether or not they were collected. */
  members: number
  /** Requests the list cost. */
  requests: number
  /** Why the list, or the rest of it, could not be read. */
  error?: string
}

export interface Expansion {
  /** Every account of the run once: those named, then the lists' new members, then each list that failed as an entry. */
  accounts: Account[]
  /** What the sources still collect: everything but the X members, whose counts came with the list. */
  toCollect: Account[]
  /** The X members' samples and failures, the lists' failures and warnings. */
  collection: Collection
  lists: ListReport[]
  /** X users read through lists (lower-case usernames): X bills each user returned. */
  xListUsers: Set<string>
}

export type ListReader = (list: ListEntry, limit: number) => Promise<ListRead>

const idOf = (account: Account): string => `${account.network}:${account.key}`

/** The readers for a run's lists, on the sources' transport and settings. */
export function createListReader(config: Config, http: HttpDeps, bounds: RunBounds = {}): ListReader {
  const shared = { policy: config.policy, deps: http, ...bounds }
  const auth = config.x.auth
  const x = auth ? createXListReader({ auth, apiUrl: config.x.apiUrl, concurrency: config.concurrency, ...shared }) : undefined
  const bluesky = createBlueskyListReader({ apiUrl: config.bluesky.apiUrl, ...shared })
  return async (list, limit) => {
    if (list.network === 'bluesky') return bluesky(list, limit)
    if (x) return x(list, limit)
    return { ...emptyRead(list), problem: { reason: 'error', message: `The ${list.entry} needs the X credentials, and none are set.`, fatal: true } }
  }
}

/** A list that could not be read, as the one entry that failed. */
function listAccount(list: ListEntry): Account {
  return { network: list.network, handle: list.entry, key: list.entry }
}

export async function expandLists(
  named: Account[],
  lists: ListEntry[],
  read: ListReader,
  concurrency: number,
  say: (line: string) => void = () => undefined,
  /** The dry run names the members too, so the expansion can be checked before anything is sent. */
  showMembers = false
): Promise<Expansion> {
  let budget = MAX_ACCOUNTS - named.length
  const reads = await mapWithConcurrency(lists, concurrency, async (list) => {
    const result = await read(list, Math.max(0, budget)).catch((error: unknown): ListRead => ({
      ...emptyRead(list),
      problem: { reason: 'error', message: `The ${listName(list)} could not be read (${oneLine(messageOf(error))}). Please report this with the log.` }
    }))
    budget -= result.members.length
    return result
  })
  const accounts = [...named]
  const known = new Map<string, Account>()
  for (const account of named) known.set(idOf(account), account)
  const served = new Set<string>()
  const collection = emptyCollection()
  const reports: ListReport[] = []
  const xListUsers = new Set<string>()
  const failedEntries = new Set<string>()
  let leftOut = 0
  for (const result of reads) {
    const { list, members, problem } = result
    for (const member of members) {
      if (member.network === 'x') xListUsers.add(member.key)
      const byDid = member.id === undefined ? undefined : known.get(`bluesky:${member.id}`)
      if (known.has(idOf(member)) || byDid) continue
      if (accounts.length >= MAX_ACCOUNTS) {
        leftOut++
        continue
      }
      accounts.push(member)
      known.set(idOf(member), member)
      if (member.id !== undefined) known.set(`bluesky:${member.id}`, member)
    }
    // X members' counts came with the list: the first list to give an account's serves it, named or not.
    const serve = (account: Account): Account | undefined => {
      const canonical = known.get(idOf(account))
      if (!canonical || served.has(idOf(canonical))) return undefined
      served.add(idOf(canonical))
      return canonical
    }
    for (const sample of result.collection.samples) {
      const account = serve(sample.account)
      if (account) collection.samples.push({ ...sample, account })
    }
    for (const failure of result.collection.failures) {
      const mine = failure.accounts.map(serve).filter((a): a is Account => a !== undefined)
      if (mine.length > 0) collection.failures.push({ ...failure, accounts: mine })
    }
    collection.warnings.push(...result.collection.warnings)
    if (problem) {
      const entry = listAccount(list)
      accounts.push(entry)
      failedEntries.add(idOf(entry))
      const failure: Failure = { network: list.network, accounts: [entry], reason: problem.reason, message: problem.message }
      collection.failures.push(problem.fatal ? { ...failure, fatal: true } : failure)
    }
    reports.push({
      entry: list.entry,
      network: list.network,
      members: members.length,
      requests: result.requests,
      ...(problem ? { error: problem.message } : {})
    })
    const names =
      showMembers && members.length > 0
        ? `: ${members
            .slice(0, 20)
            .map((m) => m.handle)
            .join(', ')}${members.length > 20 ? `, and ${members.length - 20} more` : ''}`
        : ''
    say(`${listName(list)}: ${members.length} member(s) in ${result.requests} request(s)${problem ? ', then it failed' : ''}${names}.`)
  }
  if (leftOut > 0) {
    collection.warnings.push(
      `${leftOut} list member(s) were left out: one run collects at most ${MAX_ACCOUNTS} accounts. Split the lists across several workflows or steps.`
    )
  }
  const toCollect = accounts.filter((a) => !served.has(idOf(a)) && !failedEntries.has(idOf(a)))
  return { accounts, toCollect, collection, lists: reports, xListUsers }
}

/** A run without lists: the named accounts, all to collect. */
export function noExpansion(accounts: Account[]): Expansion {
  return { accounts, toCollect: accounts, collection: emptyCollection(), lists: [], xListUsers: new Set() }
}

/** The pipeline's phase: the config's lists expanded, each said in the log (with its members in a dry run). */
export async function expandRunLists(config: Config, http: HttpDeps, bounds: RunBounds, logger: Logger, read?: ListReader): Promise<Expansion> {
  if (config.lists.length === 0) return noExpansion(config.accounts)
  return logger.group(`Expanding ${config.lists.length} list(s)`, () =>
    expandLists(config.accounts, config.lists, read ?? createListReader(config, http, bounds), config.concurrency, (line) => logger.info(line), config.dryRun)
  )
}
