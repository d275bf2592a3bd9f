/**
 * The action keeps its state in the Actions cache by default: in process, against the cache service stand-in,
 * X and Datadog on 127.0.0.1. Two runs share the state, two account lists never do, a step without the cache says
 * so once, and a fault of the service is one warning while the run's data is delivered.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCacheServiceStandIn, type CacheServiceStandIn } from '../support/cache-service-stand-in.js'
import { runActionInProcess as runAction } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let cache: CacheServiceStandIn
let dir: string
let run = 0

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
  cache = await startCacheServiceStandIn()
  dir = mkdtempSync(join(tmpdir(), 'twitter-stats-action-state-'))
})
afterEach(async () => {
  await Promise.all([x.close(), dd.close(), cache.close()])
  rmSync(dir, { recursive: true, force: true })
})

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  accounts: 'jack, nasa',
  'x-bearer-token': X_TOKEN,
  'datadog-api-key': DD_KEY,
  'datadog-site': dd.url,
  'x-api-url': x.url,
  ...extra
})

/** A runner's variables: the cache service's, and a temporary folder and workspace at the same path on every run, as on one runner. */
const runner = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...cache.env,
  RUNNER_TEMP: dir,
  GITHUB_WORKSPACE: dir,
  GITHUB_RUN_ID: String(++run),
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/stats.yml@refs/heads/main',
  GITHUB_JOB: 'collect',
  ...extra
})

const annotations = (stdout: string): string[] => stdout.split('\n').filter((line) => /^::(warning|error)/.test(line))
const delivered = (): number => dd.series.filter((s) => s.metric === 'twitter.followers_count').length

describe('the state in the Actions cache', () => {
  test('by default a run saves its state in the cache, and the next run reads it back', async () => {
    const first = await runAction(inputs(), runner())
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('No state in the Actions cache yet: this run starts one.')
    expect(cache.entries.filter((entry) => entry.finalized)).toHaveLength(1)
    const second = await runAction(inputs(), runner())
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('Read the state of 2 account(s) from the Actions cache.')
    expect(cache.entries.filter((entry) => entry.finalized)).toHaveLength(2)
    expect(annotations(first.stdout + second.stdout)).toEqual([])
    expect(delivered()).toBe(4)
  })

  test('two account lists in one job, as two jobs of a matrix, never read each other’s state', async () => {
    await runAction(inputs({ accounts: 'jack' }), runner())
    const other = await runAction(inputs({ accounts: 'nasa' }), runner())
    expect(other.stdout).toContain('No state in the Actions cache yet: this run starts one.')
    const again = await runAction(inputs({ accounts: 'jack' }), runner())
    expect(again.stdout).toContain('Read the state of 1 account(s) from the Actions cache.')
  })

  test('state none and a file path never call the cache service', async () => {
    const none = await runAction(inputs({ state: 'none' }), runner())
    const file = await runAction(inputs({ state: 'states/stats.json' }), runner())
    expect([none.code, file.code]).toEqual([0, 0])
    expect(file.stdout).toContain(`No state in the file ${join(dir, 'states', 'stats.json')} yet: this run starts one.`)
    expect(cache.calls).toEqual([])
    expect(delivered()).toBe(4)
  })

  test('a step without ACTIONS_RUNTIME_TOKEN says so in one line, keeps no state, and delivers', async () => {
    const result = await runAction(inputs(), runner({ ACTIONS_RUNTIME_TOKEN: '' }))
    expect(result.code).toBe(0)
    expect(result.stdout.match(/The Actions cache is not available to this step \(ACTIONS_RUNTIME_TOKEN is not set\)/g)).toHaveLength(1)
    expect(annotations(result.stdout)).toEqual([])
    expect(cache.calls).toEqual([])
    expect(delivered()).toBe(2)
  })

  test.each([
    ['answers 429', { twirp: 429 } as const, /answered 429 Too Many Requests/],
    ['answers 507', { twirp: 507 } as const, /answered 507/],
    ['keeps a damaged entry', { blob: 'damaged' } as const, /is damaged \(the saved archive could not be unpacked/]
  ])('a cache service that %s: one warning, the run delivers and succeeds', async (_name, fault, reason) => {
    await runAction(inputs(), runner())
    cache.fault = fault
    const result = await runAction(inputs(), runner())
    expect(result.code).toBe(0)
    const warnings = annotations(result.stdout)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(reason)
    expect(warnings[0]).not.toMatch(/sig=|https?:\/\/127/)
    expect(delivered()).toBe(4)
  })
})
