/** The job summary of a run with a state: the change in each row, and the biggest gains and losses ahead of the table. */
import { describe, expect, test } from '@jest/globals'
import type { Account } from '../../src/model.js'
import { SUMMARY_BUDGET_BYTES, runSummary } from '../../src/action/summary.js'
import type { RunReport } from '../../src/run/pipeline.js'
import { measureFootprint } from '../../src/run/footprint.js'
import type { AccountChange } from '../../src/state/changes.js'

const xAccounts = (count: number): Account[] => Array.from({ length: count }, (_, i) => ({ network: 'x', handle: `user_${i}`, key: `user_${i}` }))

/** A run whose accounts changed by `change(i)` followers since the previous run, and by `day(i)` over 24 hours (null: no day-old snapshot). */
function reportOf(accounts: Account[], change: (i: number) => number | null, day: (i: number) => number | null = () => null): RunReport {
  const changes: AccountChange[] = accounts.map((account, i) => {
    const previous = change(i)
    const over24h = day(i)
    return {
      account: account.key,
      network: account.network,
      sincePrevious: previous === null ? null : { followers_count: previous },
      since24h: over24h === null ? null : { followers_count: over24h },
      since7d: null
    }
  })
  return {
    accounts,
    samples: accounts.map((account, i) => ({
      account,
      timestamp: 1_700_000_000,
      metrics: { followers_count: 1000 + i, friends_count: 10, status_count: 100, listed_count: 1 }
    })),
    failures: [],
    warnings: [],
    series: [],
    records: [],
    footprint: measureFootprint([], [], 'twitter', false),
    delivery: { sent: accounts.length * 4, requests: 1, bytesSent: 1, undelivered: [] },
    collected: accounts.length,
    failed: 0,
    rateLimitRemaining: undefined,
    durationMs: 1,
    problems: [],
    ok: true,
    changes,
    state: { where: 'the Actions cache', resent: 0, accepted: 0 }
  }
}

const rowOf = (html: string, handle: string): string => new RegExp(`<tr><td>${handle}</td>.*?</tr>`).exec(html)?.[0] ?? ''

describe('the summary of a run with a state', () => {
  test('each row has the signed change since the previous run; ahead of the table the biggest gains and losses', () => {
    const html = runSummary(reportOf(xAccounts(8), (i) => [100, -12, 0, 7, -3, 50, 1, -40][i] ?? 0))
    expect(html).toContain('<th>followers</th><th>change</th><th>following</th>')
    expect(rowOf(html, 'user_0')).toBe('<tr><td>user_0</td><td>X</td><td>1000</td><td>+100</td><td>10</td><td>100</td><td>1</td><td>ok</td></tr>')
    expect(rowOf(html, 'user_1')).toContain('<td>1001</td><td>-12</td>')
    expect(html).toContain('<h3>Followers since the previous run</h3>')
    expect(html).toContain('<p><b>Biggest gains</b>: user_0 (X) +100, user_5 (X) +50, user_3 (X) +7, user_6 (X) +1</p>')
    expect(html).toContain('<p><b>Biggest losses</b>: user_7 (X) -40, user_1 (X) -12, user_4 (X) -3</p>')
    expect(html.indexOf('Biggest gains')).toBeLessThan(html.indexOf('<table>'))
  })

  test('over 24 hours when a snapshot is a day old', () => {
    const html = runSummary(
      reportOf(
        xAccounts(3),
        () => 1,
        (i) => [500, -20, 3][i] ?? 0
      )
    )
    expect(html).toContain('<h3>Followers over 24 hours</h3>')
    expect(html).toContain('<b>Biggest gains</b>: user_0 (X) +500, user_2 (X) +3')
  })

  test('the first run with a state says the next run shows what changed; a run without a state has no change column', () => {
    const first = runSummary(reportOf(xAccounts(2), () => null))
    expect(first).toContain('No earlier run is in the state yet: the next run shows what changed.')
    expect(rowOf(first, 'user_0')).toContain('<td>1000</td><td></td><td>10</td>')
    const none = runSummary({ ...reportOf(xAccounts(2), () => 5), state: undefined })
    expect(none).not.toContain('change')
    expect(none).not.toContain('Biggest')
  })

  test('10,000 accounts with their changes stay within GitHub’s 1 MiB: the movers ahead, the rows that fit, the rest counted', () => {
    const accounts = xAccounts(10_000)
    const html = runSummary(reportOf(accounts, (i) => (i % 2 ? -i : i * 3)))
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    const shown = [...html.matchAll(/<tr><td>/g)].length
    expect(shown).toBeGreaterThan(9000)
    expect(html).toContain(`<p>${10_000 - shown} of 10000 accounts are left out of this table`)
    expect(html).toContain('<b>Biggest gains</b>: user_9998 (X) +29994')
  })
})
