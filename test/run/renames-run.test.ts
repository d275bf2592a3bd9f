/**
 * Renames through a whole run: the command line with --state FILE follows a renamed X account by its id, sends its
 * series under the list's name, and says what to do on stderr, in --json and in the job summary.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runSummary } from '../../src/action/summary.js'
import type { Account } from '../../src/model.js'
import { measureFootprint } from '../../src/run/footprint.js'
import type { RunReport } from '../../src/run/pipeline.js'
import { fakeClock } from '../support/clock.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let dir: string
const T0 = Date.UTC(2026, 11, 6, 14, 0, 0)

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
  dir = mkdtempSync(join(tmpdir(), 'renames-run-'))
})
afterEach(async () => {
  await Promise.all([x.close(), dd.close()])
  rmSync(dir, { recursive: true, force: true })
})

const env = (): Record<string, string> => ({
  X_BEARER_TOKEN: X_TOKEN,
  DATADOG_API_KEY: DD_KEY,
  X_API_URL: x.url,
  DATADOG_SITE: dd.url,
  MAX_RETRIES: '0',
  SELF_MONITORING: 'false',
  TMPDIR: dir
})
const runAt = (at: number, args: string[]) => runCli(['--state', join(dir, 'state.json.gz'), ...args], env(), { ...fakeClock(), now: () => at })

interface JsonReport {
  collected: number
  renames: unknown[]
  gone: unknown[]
  warnings: string[]
}

describe('a run with a state', () => {
  test('a renamed account is collected under the list name; a deleted one is reported with its last followers', async () => {
    expect((await runAt(T0, ['jack', 'nasa'])).code).toBe(0)
    const [id, nasaId] = [x.ids.get('jack')!, x.ids.get('nasa')!]
    x.rename('jack', 'jack_renamed')
    x.users.delete('nasa')
    dd.series.length = 0

    const second = await runAt(T0 + 600_000, ['--json', 'jack', 'nasa'])
    const report = JSON.parse(second.stdout) as JsonReport
    const renamed = 'X account jack is now @jack_renamed: update the account list.'
    const gone = 'X account nasa was suspended or deleted since the last run; it had 1,002 followers.'
    expect(report.renames).toEqual([{ network: 'x', account: 'jack', id, name: 'jack_renamed', message: renamed }])
    expect(report.gone).toEqual([{ network: 'x', account: 'nasa', id: nasaId, followers: 1002, message: gone }])
    expect(report.collected).toBe(1)
    expect(report.warnings).toEqual(expect.arrayContaining([renamed, gone]))
    expect(second.stderr).toContain(`warning: ${renamed}`)
    expect(second.stderr).toContain(`warning: ${gone}`)
    const followers = dd.series.filter((s) => s.metric === 'twitter.followers_count')
    expect(followers.map((s) => [s.tags.filter((t) => t.startsWith('account:')), s.points[0]!.value])).toEqual([[['account:jack'], 1001]])

    // The state keeps the id under the list's name: the next run follows it again until the list is updated.
    const third = JSON.parse((await runAt(T0 + 1_200_000, ['--json', 'jack'])).stdout) as JsonReport
    expect(third.renames).toEqual([expect.objectContaining({ account: 'jack', name: 'jack_renamed' })])
    const updated = JSON.parse((await runAt(T0 + 1_800_000, ['--json', 'jack_renamed'])).stdout) as JsonReport
    expect([updated.collected, updated.renames]).toEqual([1, []])
  })

  test('without a state nothing is looked up by id, and the account is simply not found', async () => {
    x.rename('jack', 'jack_renamed')
    const result = await runCli(['--json', 'jack'], env())
    const report = JSON.parse(result.stdout) as JsonReport
    expect([report.collected, report.renames, report.gone]).toEqual([0, [], []])
    expect(x.requests.every((r) => r.url.startsWith('/2/users/by?'))).toBe(true)
  })
})

describe('the job summary', () => {
  const account = (i: number): Account => ({ network: 'x', handle: `user_${i}`, key: `user_${i}` })
  const report = (renamed: number): RunReport => ({
    accounts: [],
    samples: [],
    failures: [],
    warnings: [],
    series: [],
    records: [],
    footprint: measureFootprint([], [], 'twitter', false),
    delivery: undefined,
    collected: renamed,
    failed: 0,
    rateLimitRemaining: undefined,
    durationMs: 1,
    problems: [],
    ok: true,
    renames: Array.from({ length: renamed }, (_, i) => ({
      account: account(i),
      id: String(i + 1),
      name: `new_${i}`,
      message: `X account user_${i} is now @new_${i}: update the account list.`
    }))
  })

  test('each rename is a line of what to do; past 20, one line counts the rest', () => {
    expect(runSummary(report(2))).toContain('<li>X account user_1 is now @new_1: update the account list.</li>')
    const html = runSummary(report(25))
    expect(html).toContain('<li>X account user_19 is now @new_19: update the account list.</li>')
    expect(html).not.toContain('user_20 is now')
    expect(html).toContain('<li>5 more account(s) were renamed; the log names each.</li>')
  })
})
