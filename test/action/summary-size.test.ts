/** The job summary stays within GitHub's 1 MiB at any list size, keeping what matters most. */
import { describe, expect, test } from '@jest/globals'
import type { Account, Failure } from '../../src/model.js'
import { SUMMARY_BUDGET_BYTES, runSummary } from '../../src/action/summary.js'
import type { RunReport } from '../../src/run/pipeline.js'
import { measureFootprint } from '../../src/run/footprint.js'

/** GitHub's limit for one step's summary. */
const GITHUB_LIMIT = 1024 * 1024

/** A finished run over `accounts`: every `failEvery`-th account not found, the others with followers = their index. */
function reportOf(accounts: Account[], failEvery: number): RunReport {
  const failed = accounts.filter((_, i) => i % failEvery === 0)
  const collected = accounts.map((account, index) => ({ account, index })).filter(({ index }) => index % failEvery !== 0)
  const failures: Failure[] = failed.map((account) => ({
    network: account.network,
    accounts: [account],
    reason: 'not_found',
    message: `gone: ${account.handle}`
  }))
  return {
    accounts,
    samples: collected.map(({ account, index }) => ({
      account,
      timestamp: 1_700_000_000,
      metrics: { followers_count: index, friends_count: 10, status_count: 100, listed_count: 1 }
    })),
    failures,
    warnings: [],
    series: [],
    records: [],
    footprint: measureFootprint([], [], 'twitter', false),
    delivery: { sent: collected.length * 6, requests: 10, bytesSent: 1, undelivered: [] },
    collected: collected.length,
    failed: failed.length,
    rateLimitRemaining: undefined,
    durationMs: 1,
    problems: [],
    ok: true
  }
}

function mastodon(count: number): Account[] {
  return Array.from({ length: count }, (_, i) => {
    const instance = `instance-number-${i % 50}.example.social`
    return { network: 'mastodon', handle: `a_rather_long_user_name_${i}@${instance}`, key: `a_rather_long_user_name_${i}@${instance}`, instance }
  })
}

function xAccounts(count: number): Account[] {
  return Array.from({ length: count }, (_, i) => ({ network: 'x', handle: `user_${i}`, key: `user_${i}` }))
}

/** The account column of the table's rows, in order. */
function tableAccounts(html: string): string[] {
  return [...html.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1] ?? '')
}

describe('the job summary within GitHub’s size limit', () => {
  test('20,000 Mastodon accounts: under 1 MiB, failures first, then the largest accounts, and the count left out', () => {
    const accounts = mastodon(20_000)
    const report = reportOf(accounts, 100)
    const html = runSummary(report)
    const bytes = Buffer.byteLength(html)
    expect(bytes).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(bytes).toBeLessThan(GITHUB_LIMIT)
    expect(bytes).toBeGreaterThan(SUMMARY_BUDGET_BYTES * 0.95)

    const shown = tableAccounts(html)
    expect(shown.length).toBeGreaterThan(1000)
    expect(shown.length).toBeLessThan(accounts.length)
    // The 200 not found come first, all of them.
    const failedHandles = report.failures.flatMap((f) => f.accounts.map((a) => a.handle))
    expect(shown.slice(0, failedHandles.length).sort()).toEqual([...failedHandles].sort())
    // Then the largest by followers (followers = index here): descending, and nothing left out is larger.
    const indexOf = new Map(accounts.map((a, i) => [a.handle, i]))
    const followers = shown.slice(failedHandles.length).map((handle) => indexOf.get(handle) ?? -1)
    expect(followers).toEqual([...followers].sort((a, b) => b - a))
    const kept = new Set(shown)
    const omitted = report.samples.filter((s) => !kept.has(s.account.handle)).map((s) => s.metrics.followers_count ?? 0)
    expect(Math.max(...omitted)).toBeLessThan(Math.min(...followers))
    expect(html).toContain(`<p>${accounts.length - shown.length} of ${accounts.length} accounts are left out of this table`)
  })

  test('10,000 X accounts fit whole, in the list’s order, with no line about rows left out', () => {
    const accounts = xAccounts(10_000)
    const html = runSummary(reportOf(accounts, 1000))
    expect(Buffer.byteLength(html)).toBeLessThan(SUMMARY_BUDGET_BYTES)
    expect(tableAccounts(html)).toEqual(accounts.map((a) => a.handle))
    expect(html).not.toContain('left out')
  })

  test('a smaller budget (another summary already in the file) is kept too', () => {
    const html = runSummary(reportOf(xAccounts(3000), 10), {}, 50_000)
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(50_000)
    expect(html).toMatch(/<p>\d+ of 3000 accounts are left out of this table/)
  })
})
