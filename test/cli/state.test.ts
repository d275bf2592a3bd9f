/** The command line with --state FILE: two runs give the changes, and what Datadog missed is re-sent once. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { fakeClock } from '../support/clock.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let dir: string
let file: string
const T0 = Date.UTC(2026, 11, 6, 14, 0, 0)

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
  dir = mkdtempSync(join(tmpdir(), 'state-cli-'))
  file = join(dir, 'state.json.gz')
})
afterEach(async () => {
  await Promise.all([x.close(), dd.close()])
  rmSync(dir, { recursive: true, force: true })
})

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  X_BEARER_TOKEN: X_TOKEN,
  DATADOG_API_KEY: DD_KEY,
  X_API_URL: x.url,
  DATADOG_SITE: dd.url,
  MAX_RETRIES: '0',
  SELF_MONITORING: 'false',
  TMPDIR: dir,
  ...extra
})

/** A run at `at` (epoch ms) on a clock that stands still there. */
const runAt = (at: number, args: string[], extra: Record<string, string> = {}) =>
  runCli(['--state', file, ...args], env(extra), { ...fakeClock(), now: () => at })

function setFollowers(name: string, followers: number): void {
  const user = x.users.get(name)
  if (typeof user === 'object') x.users.set(name, { ...user, followers_count: followers })
}

describe('--state FILE', () => {
  test('the second run shows the change since the first in the table and in --json; no state, no change column', async () => {
    const plain = await runCli(['jack'], env())
    expect(plain.stdout.split('\n')[0]).not.toContain('change')

    expect((await runAt(T0, ['jack', 'nasa'])).code).toBe(0)
    setFollowers('jack', 1101)
    setFollowers('nasa', 990)
    const table = await runAt(T0 + 600_000, ['jack', 'nasa'])
    const lines = table.stdout.split('\n')
    expect(lines[0]).toMatch(/^account\s+network\s+followers\s+change\s+following\s+posts\s+listed\s+status$/)
    expect(lines[1]).toMatch(/^jack\s+x\s+1101\s+\+100\s+101\s/)
    expect(lines[2]).toMatch(/^nasa\s+x\s+990\s+-12\s+102\s/)

    setFollowers('jack', 1111)
    const json = JSON.parse((await runAt(T0 + 1_200_000, ['--json', '--metrics', 'followers_count,friends_count', 'jack', 'nasa'])).stdout) as {
      changes: unknown[]
    }
    expect(json.changes).toEqual([
      { account: 'jack', network: 'x', sincePrevious: { followers_count: 10, friends_count: 0 }, since24h: null, since7d: null },
      { account: 'nasa', network: 'x', sincePrevious: { followers_count: 0, friends_count: 0 }, since24h: null, since7d: null }
    ])
  })

  test('a day later and a week later, by the clock: the changes over 24 hours and over 7 days', async () => {
    const day = 86_400_000
    for (let d = 0; d <= 8; d++) {
      setFollowers('jack', 1000 + d * 10)
      expect((await runAt(T0 + d * day, ['jack'])).code).toBe(0)
    }
    setFollowers('jack', 2000)
    const json = JSON.parse((await runAt(T0 + 8 * day + 3_600_000, ['--json', '--metrics', 'followers_count', 'jack'])).stdout) as { changes: unknown[] }
    // Previous: day 8 (1080); newest at least 24 h old: day 7 (1070); at least 7 days old: day 1 (1010).
    expect(json.changes).toEqual([
      { account: 'jack', network: 'x', sincePrevious: { followers_count: 920 }, since24h: { followers_count: 930 }, since7d: { followers_count: 990 } }
    ])
  })

  test('series Datadog did not accept are re-sent first by the next run, once, with their own timestamps', async () => {
    dd.override = () => ({ status: 503, body: '{"errors":["Service Unavailable"]}' })
    const failed = await runAt(T0, ['jack'])
    expect(failed.code).toBe(1)
    expect(dd.series).toHaveLength(0)

    dd.override = undefined
    setFollowers('jack', 1500)
    const second = await runAt(T0 + 300_000, ['jack'])
    expect(second.code).toBe(0)
    expect(second.stderr).toContain('Re-sending 6 series that Datadog did not accept in the run at 14:00 UTC.')
    const followers = dd.series.filter((s) => s.metric === 'twitter.followers_count').map((s) => s.points[0])
    expect(followers).toEqual([
      { timestamp: T0 / 1000, value: 1001 },
      { timestamp: (T0 + 300_000) / 1000, value: 1500 }
    ])

    const third = await runAt(T0 + 600_000, ['jack'])
    expect(third.stderr).not.toContain('Re-sending')
    expect(dd.series.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(3)
  })

  test('series over an hour old are not sent, and the run says how many and from which run', async () => {
    dd.override = () => ({ status: 503, body: '{"errors":["Service Unavailable"]}' })
    await runAt(T0, ['jack'])
    dd.override = undefined
    const late = await runAt(T0 + 3_700_000, ['jack'])
    expect(late.code).toBe(0)
    expect(late.stderr).toContain('warning: 6 series collected at 14:00 UTC were over an hour old and were dropped; the metrics file of that run holds them.')
    expect(dd.series.every((s) => s.points[0]!.timestamp === (T0 + 3_700_000) / 1000)).toBe(true)
  })

  test('a damaged state is one warning; the run delivers as if it had none and replaces it', async () => {
    writeFileSync(file, '{"format":"twitter-stats state","version":1,"prefix":"twitter","writtenAt":')
    const result = await runAt(T0, ['jack'])
    expect(result.code).toBe(0)
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'))
    expect(warnings).toEqual([
      `warning: The state in the file ${file} is not complete JSON: it is truncated or damaged. This run delivers as if there were no state and replaces it with its own at the end.`
    ])
    expect(dd.series).toHaveLength(6)
    expect(readFileSync(file)[0]).toBe(0x1f)
    expect((await runAt(T0 + 60_000, ['jack'])).stderr).not.toContain('warning:')
  })
})
