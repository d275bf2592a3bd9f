/**
 * The job summary: what a person opening the run from GitHub reads first. Its first line is the outcome;
 * a failed run says what to do next; then the accounts, within GitHub's size limit at any list size.
 */
import { context } from '@actions/github'
import { appendFileSync, statSync } from 'node:fs'
import { NETWORK_NAMES, networkName } from '../config/accounts.js'
import { deliveryPhrase, rowsWithChange } from '../run/account-rows.js'
import { biggestChanges, overWords, signed, type Mover } from '../state/changes.js'
import type { RunReport } from '../run/pipeline.js'
import { footprintLine } from '../run/footprint.js'
import { forHtml } from '../text/foreign-text.js'
import { verdict } from '../run/verdict.js'

/** What our summary may take: GitHub refuses a step summary over 1 MiB (1,048,576 bytes) and shows none of it. */
export const SUMMARY_BUDGET_BYTES = 1_000_000

export interface RunSummaryExtras {
  /** The saved file of series Datadog refused and how to re-send them (undeliveredMessage), when there is one. */
  undelivered?: string
  /** A link to this run, when the runner says which run it is. */
  runUrl?: string
}

/** The run's link for summaries, or nothing outside a workflow. */
export function summaryRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  // @actions/github reads the environment once, when first imported; build a fresh Context for this run.
  const current = new (context.constructor as new () => typeof context)()
  // context.repo throws outside a workflow; check the variable it reads first.
  if (!current.runId || !env.GITHUB_REPOSITORY) return undefined
  const { owner, repo } = current.repo
  return `${current.serverUrl}/${owner}/${repo}/actions/runs/${current.runId}`
}

/** The one-line outcome: "twitter-stats succeeded" or "twitter-stats failed: why". */
function outcomeHeading(line: string): string {
  return `<h2>${forHtml(line === 'ok' ? 'twitter-stats succeeded' : `twitter-stats ${line}`)}</h2>\n`
}

function whatToDo(items: string[]): string {
  if (items.length === 0) return ''
  return `<h3>What to do</h3>\n<ul>\n${items.map((item) => `<li>${forHtml(item)}</li>\n`).join('')}</ul>\n`
}

function link(url: string | undefined): string {
  return url ? `<p><a href="${forHtml(url)}">This run</a></p>\n` : ''
}

const HEADER = ['account', 'network', 'followers', 'following', 'posts', 'listed', 'status']
/** With a state, the change of followers since the previous run follows the followers. */
const HEADER_WITH_CHANGE = ['account', 'network', 'followers', 'change', 'following', 'posts', 'listed', 'status']

interface Row {
  cells: string[]
  failed: boolean
  followers: number
}

function rowHtml(row: Row): string {
  return `<tr>${row.cells.map((cell) => `<td>${forHtml(cell)}</td>`).join('')}</tr>\n`
}

/**
 * The accounts table within `budget` bytes. When every row fits, rows keep the list's order; when not,
 * failures come first, then the largest accounts by followers, and a line says how many were left out.
 */
export function accountsTable(report: Pick<RunReport, 'accounts' | 'samples' | 'failures' | 'changes' | 'state'>, budget: number): string {
  const header = report.state ? HEADER_WITH_CHANGE : HEADER
  const rows = rowsWithChange(report).map(([account = '', network = '', ...rest]): Row & { html: string } => {
    const row = { cells: [account, networkName(network), ...rest], failed: rest.at(-1) !== 'ok', followers: Number(rest[0] || 0) }
    return { ...row, html: rowHtml(row) }
  })
  const open = `<table>\n<tr>${header.map((name) => `<th>${name}</th>`).join('')}</tr>\n`
  const close = '</table>\n'
  const total = Buffer.byteLength(open + close) + rows.reduce((n, row) => n + Buffer.byteLength(row.html), 0)
  if (total <= budget) return open + rows.map((row) => row.html).join('') + close

  const ranked = [...rows].sort((a, b) => Number(b.failed) - Number(a.failed) || b.followers - a.followers)
  // Room for the line about the rows left out, whose length depends on the counts.
  let left = budget - Buffer.byteLength(open + close) - 400
  const kept: string[] = []
  for (const { html: row } of ranked) {
    const size = Buffer.byteLength(row)
    if (size > left) break
    kept.push(row)
    left -= size
  }
  const omitted = rows.length - kept.length
  return (
    open +
    kept.join('') +
    close +
    `<p>${omitted} of ${rows.length} accounts are left out of this table to keep the summary within GitHub's 1 MiB limit: it shows the failures first, then the largest accounts by followers.</p>\n`
  )
}

function countsLine(report: RunReport): string {
  const sent = deliveryPhrase(report)
  return `<p>${report.collected} of ${report.accounts.length} account(s) collected, ${report.failed} failed, ${sent}.</p>\n`
}

/** How many lists the summary names; the rest are counted. */
const NAMED_LISTS = 20

/** Each list of the account list with its member count, and why one could not be read whole. */
function listsLine(report: RunReport): string {
  const lists = report.lists ?? []
  if (lists.length === 0) return ''
  const named = lists
    .slice(0, NAMED_LISTS)
    .map((l) => `${forHtml(l.entry)} (${l.members} member(s)${l.error ? `, not read whole: ${forHtml(l.error, 500)}` : ''})`)
    .join(', ')
  const more = lists.length > NAMED_LISTS ? `, and ${lists.length - NAMED_LISTS} more` : ''
  return `<p>Lists expanded to their members: ${named}${more}.</p>\n`
}

/** How many accounts the summary names in its line about accounts that are gone. */
const NAMED_GONE = 20

/** One line for every account that was not found or is suspended: the run went on, but the list needs a fix. */
function goneAccounts(report: RunReport): string[] {
  const gone = report.failures
    .filter((f) => f.reason === 'not_found' || f.reason === 'suspended')
    .flatMap((f) => f.accounts.map((a) => `${a.handle} (${NETWORK_NAMES[a.network]}, ${f.reason === 'suspended' ? 'suspended' : 'not found'})`))
  if (gone.length === 0) return []
  const more = gone.length > NAMED_GONE ? `, and ${gone.length - NAMED_GONE} more` : ''
  return [
    `${gone.length} account(s) were not found or are suspended; correct them or remove them from the account list: ${gone.slice(0, NAMED_GONE).join(', ')}${more}.`
  ]
}

/** How many accounts each of the lists of biggest gains and losses names. */
const MOVERS = 5

/** Ahead of the table, when the run keeps a state: the biggest gains and losses of followers. */
export function biggestChangesHtml(report: Pick<RunReport, 'changes' | 'state'>): string {
  if (!report.state) return ''
  const { over, gains, losses } = biggestChanges(report.changes ?? [], MOVERS)
  if (gains.length === 0 && losses.length === 0) {
    const known = (report.changes ?? []).some((c) => c.sincePrevious !== null)
    return `<p>${known ? 'No account gained or lost followers since the previous run.' : 'No earlier run is in the state yet: the next run shows what changed.'}</p>\n`
  }
  const list = (title: string, movers: Mover[]): string =>
    movers.length === 0
      ? ''
      : `<p><b>${title}</b>: ${movers.map((m) => `${forHtml(m.account)} (${NETWORK_NAMES[m.network]}) ${signed(m.change)}`).join(', ')}</p>\n`
  return `<h3>Followers ${overWords(over)}</h3>\n${list('Biggest gains', gains)}${list('Biggest losses', losses)}`
}

/** One line for every account found by its id under a new name (the first NAMED_GONE of them): the list needs the new name. */
function renamedAccounts(report: RunReport): string[] {
  const renames = (report.renames ?? []).map((r) => r.message)
  const more = renames.length - NAMED_GONE
  return [...renames.slice(0, NAMED_GONE), ...(more > 0 ? [`${more} more account(s) were renamed; the log names each.`] : [])]
}

/** Pure: the summary of a run that started, as HTML, at most `budget` bytes. */
export function runSummary(report: RunReport, extras: RunSummaryExtras = {}, budget = SUMMARY_BUDGET_BYTES): string {
  const todo = [
    ...report.problems.map((p) => p.message),
    ...(extras.undelivered ? [extras.undelivered] : []),
    ...renamedAccounts(report),
    ...goneAccounts(report)
  ]
  const head =
    outcomeHeading(verdict(report.problems)) +
    countsLine(report) +
    listsLine(report) +
    whatToDo(todo) +
    `<p>${forHtml(footprintLine(report.footprint))}</p>\n` +
    biggestChangesHtml(report)
  const tail = link(extras.runUrl)
  return head + accountsTable(report, budget - Buffer.byteLength(head + tail)) + tail
}

/** Pure: the summary of a run stopped by its settings: what was wrong, and the setting to change. */
export function configErrorSummary(problems: string[], url?: string): string {
  return (
    outcomeHeading(verdict([{ reason: 'the configuration is invalid' }])) +
    '<p>Nothing was collected or sent: the settings were checked before any request.</p>\n' +
    whatToDo(problems) +
    link(url)
  )
}

/** Pure: the summary of a run stopped by a bug. */
export function unexpectedErrorSummary(message: string, url?: string): string {
  return outcomeHeading('failed: twitter-stats stopped unexpectedly') + whatToDo([`${message} Please report this with the log.`]) + link(url)
}

/**
 * Appends to the step's summary file, if the runner gave one. Appended by us, not core.summary.write(),
 * which caches the first file it was given for the life of the process.
 */
export function appendSummary(html: string, env: NodeJS.ProcessEnv): void {
  const file = env.GITHUB_STEP_SUMMARY
  if (!file) return
  appendFileSync(file, html)
}

/** Bytes already in the summary file, so a summary written after another stays within the limit. */
export function summaryBudget(env: NodeJS.ProcessEnv): number {
  const file = env.GITHUB_STEP_SUMMARY
  let used = 0
  try {
    if (file) used = statSync(file).size
  } catch {
    used = 0
  }
  return Math.max(0, SUMMARY_BUDGET_BYTES - used)
}
