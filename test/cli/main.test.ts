/** The command line (its source, in-process), run as a user runs it, against local X and Datadog stand-ins. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SETTINGS } from '../../src/config/settings.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { startBlueskyStandIn, startMastodonStandIn } from '../support/network-stand-ins.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3), gone: 'suspended' })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

/** The series of the accounts themselves, without the collector's own series where the run sends them. */
function accountSeries(): DatadogStandIn['series'] {
  return dd.series.filter((s) => s.tags.some((tag) => tag.startsWith('account:')))
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url, ...extra }
}

describe('the command line end to end', () => {
  test('prints a table of the accounts and their metrics on stdout, progress on stderr, and sends the series', async () => {
    const result = await runCli(['--tags', 'env:test', 'jack', 'nasa', 'github'], env())
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^account\s+network\s+followers\s+following\s+posts\s+listed\s+status$/)
    expect(lines[2]).toMatch(/^nasa\s+x\s+1002\s+102\s+5002\s+12\s+ok$/)
    expect(lines.at(-2)).toMatch(/^3 collected, 0 failed, \d+ series sent in 1 request\(s\)\.$/)
    expect(lines.at(-1)).toBe('ok')
    expect(result.stderr).toContain('Collecting 3 account(s)')
    expect(x.requests).toHaveLength(1)
    expect(accountSeries()).toHaveLength(18)
    expect(accountSeries().every((s) => s.tags.includes('env:test'))).toBe(true)
    expect(lines.at(-2)).toContain(`${dd.series.length} series sent`)
  })

  test('--json prints a machine-readable report with records, failures, counts and problems', async () => {
    const result = await runCli(['--json', '--accounts', 'jack, gone'], env())
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as Record<string, unknown>
    expect(report).toMatchObject({ ok: true, collected: 1, failed: 1, problems: [], delivery: { sent: dd.series.length, requests: 1, undelivered: 0 } })
    expect(accountSeries()).toHaveLength(6)
    expect(report.records).toContainEqual({ account: 'jack', network: 'x', metric: 'twitter.followers_count', value: 1001, timestamp: expect.any(Number) })
    expect(report.failures).toEqual([{ network: 'x', reason: 'suspended', fatal: false, message: 'X account gone is suspended.', accounts: ['gone'] }])
    expect(result.stderr).toContain('warning: X account gone is suspended.')
  })

  test('flags win over the environment variables they mirror', async () => {
    const result = await runCli(['--json', '--metric-prefix', 'social'], env({ ACCOUNTS: 'jack', METRIC_PREFIX: 'from_env' }))
    expect(result.code).toBe(0)
    expect(dd.series.map((s) => s.metric)).toContain('social.followers_count')
    expect(dd.series.some((s) => s.metric.startsWith('from_env'))).toBe(false)
  })

  test('a dry run prints the series on stderr and the table on stdout, and needs no Datadog key', async () => {
    const result = await runCli(['--dry-run', 'jack'], env({ DATADOG_API_KEY: '' }))
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/twitter\.followers_count 1001 @\d+ \[account:jack,network:x\]/)
    expect(result.stdout).toMatch(/^1 collected, 0 failed, \d+ series printed \(dry run\)\.$/m)
    expect(dd.requests).toHaveLength(0)
  })

  test('Bluesky and Mastodon accounts need no credentials at all (the README example)', async () => {
    const bsky = await startBlueskyStandIn([
      { did: 'did:plc:z72i7hdynmk6r22z27h6tvur', handle: 'bsky.app', followersCount: 3000, followsCount: 5, postsCount: 700 }
    ])
    const masto = await startMastodonStandIn([{ username: 'Mastodon', followers_count: 800, following_count: 1, statuses_count: 90 }])
    try {
      const result = await runCli(['--dry-run', 'bsky.app', 'Mastodon@mastodon.social'], { BLUESKY_API_URL: bsky.url, MASTODON_API_URL: masto.url })
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^\s*bsky\.app\s+bluesky\s+3000\s+5\s+700\b/m)
      expect(result.stdout).toMatch(/^\s*Mastodon@mastodon\.social\s+mastodon\s+800\s+1\s+90\b/m)
      expect(x.requests).toHaveLength(0)
    } finally {
      await bsky.close()
      await masto.close()
    }
  })

  test('series Datadog refuses are saved as a re-sendable body, named on stderr and in --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-cli-'))
    try {
      const result = await runCli(['--json', 'jack', 'nasa'], env({ DATADOG_API_KEY: 'a-key-datadog-refuses', TMPDIR: dir }))
      expect(result.code).toBe(1)
      const report = JSON.parse(result.stdout) as { undeliveredFile: string; delivery: { undelivered: number } }
      expect(report.undeliveredFile).toMatch(new RegExp(`^${dir}/twitter-stats-undelivered-[0-9a-f-]{36}\\.json$`))
      expect(result.stderr).toContain(`series were not delivered. They are saved in ${report.undeliveredFile} as a POST /api/v2/series body`)
      const body = JSON.parse(readFileSync(report.undeliveredFile, 'utf8')) as { series: { tags: string[] }[] }
      expect(body.series).toHaveLength(report.delivery.undelivered)
      expect(body.series.filter((s) => s.tags.includes('account:nasa'))).toHaveLength(6)
      expect(result.stdout + result.stderr + readFileSync(report.undeliveredFile, 'utf8')).not.toContain('a-key-datadog-refuses')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a long list shows progress on stderr, a tenth at a time; --quiet and short lists do not', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `user_${i}`)
    const many = await startXStandIn(Object.fromEntries(names.map((n, i) => [n, metricsFor(i)])))
    try {
      const long = await runCli(['--dry-run', '--accounts', names.join(',')], env({ X_API_URL: many.url, DATADOG_API_KEY: '' }))
      expect(long.code).toBe(0)
      const progress = long.stderr.split('\n').filter((line) => line.includes('account(s) looked up'))
      expect(progress.map((line) => line.trim())).toEqual(Array.from({ length: 10 }, (_, i) => `${(i + 1) * 100} of 1000 account(s) looked up`))
      const quiet = await runCli(['--dry-run', '--quiet', '--accounts', names.join(',')], env({ X_API_URL: many.url, DATADOG_API_KEY: '' }))
      expect(quiet.stderr).not.toContain('looked up')
    } finally {
      await many.close()
    }
    const short = await runCli(['--dry-run', 'jack', 'nasa'], env({ DATADOG_API_KEY: '' }))
    expect(short.stderr).not.toContain('looked up')
  })

  test('a failed run exits 1 and says why, without the secret', async () => {
    const result = await runCli(['jack'], env({ X_BEARER_TOKEN: 'wrong-token-abc' }))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('X rejected the credentials (401 Unauthorized)')
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('failed: X refused the credentials')
    expect(accountSeries()).toHaveLength(0)
    expect(result.stdout + result.stderr).not.toContain('wrong-token-abc')
  })

  test('a secret given as a flag is refused with the variable to set instead, before any request', async () => {
    const result = await runCli(['--x-bearer-token=typed-secret-123', 'jack'], env({ X_BEARER_TOKEN: '' }))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--x-bearer-token is not accepted on the command line')
    expect(result.stderr).toContain('Set the environment variable X_BEARER_TOKEN instead')
    expect(result.stdout + result.stderr).not.toContain('typed-secret-123')
    expect(x.requests).toHaveLength(0)
  })

  test('a missing variable is named, with exit code 2 and no request', async () => {
    const result = await runCli(['jack'], env({ DATADOG_API_KEY: '' }))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('datadog-api-key (DATADOG_API_KEY) is required')
    expect(x.requests).toHaveLength(0)
  })

  test('--help lists every setting with its flag, variable and default', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    for (const spec of SETTINGS) {
      expect(result.stdout).toContain(`variable ${spec.env}; ${spec.default ? `default: ${spec.default}` : 'no default'}`)
      if (!spec.secret) expect(result.stdout).toContain(`--${spec.input}`)
    }
  })
})
