/**
 * The committed bundle with its state in the Actions cache: dist/index.js run as the runner runs it, with the
 * variables a runner gives a step for the cache service (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL and
 * ACTIONS_CACHE_SERVICE_V2, which @actions/cache 6 reads to pick the 2025 protocol), against the cache service
 * stand-in and the X and Datadog stand-ins on 127.0.0.1. It shows that the lazily loaded chunk with @actions/cache
 * works in the bundle: three runs, each about a second of CPU; every behaviour is tested on the source
 * (test/action/state-cache.test.ts, test/state/).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCacheServiceStandIn, type CacheServiceStandIn } from '../support/cache-service-stand-in.js'
import { runBuiltAction, type ActionResult } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let cache: CacheServiceStandIn
let dir: string

beforeAll(async () => {
  ;[x, dd, cache] = await Promise.all([startXStandIn(), startDatadogStandIn(), startCacheServiceStandIn()])
  dir = mkdtempSync(join(tmpdir(), 'twitter-stats-bundle-cache-'))
})
afterAll(async () => {
  await Promise.all([x.close(), dd.close(), cache.close()])
  rmSync(dir, { recursive: true, force: true })
})

let runId = 7000
/** One run of dist/index.js on "one runner": the same RUNNER_TEMP every time (the cache's version hashes the path). */
function runBundle(): Promise<ActionResult> {
  const inputs = {
    accounts: 'jack, nasa',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url,
    'max-retries': '0'
  }
  return runBuiltAction(inputs, {
    ...cache.env,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    GITHUB_RUN_ID: String(++runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/stats.yml@refs/heads/main',
    GITHUB_JOB: 'collect'
  })
}

/** The users' counts for a run: every count moves by 100 from one run to the next, so each run's points are its own. */
function countsOfRun(run: number): void {
  x.users.set('jack', metricsFor(1 + 100 * run)).set('nasa', metricsFor(2 + 100 * run))
}

const annotations = (result: ActionResult): string[] => result.stdout.split('\n').filter((line) => /^::(warning|error)/.test(line))
const rowOf = (summary: string, handle: string): string => new RegExp(`<tr><td>${handle}</td>.*?</tr>`).exec(summary)?.[0] ?? ''
/** Series Datadog accepted with the values of a run's X accounts (jack's followers 1001 + 100 × run). */
const acceptedOfRun = (run: number): number =>
  dd.series.filter((s) => s.metric === 'twitter.followers_count' && s.points.some((p) => p.value === 1001 + 100 * run || p.value === 1002 + 100 * run)).length

test('dist/index.js keeps its state in the Actions cache: the next run shows the change, and re-sends once what Datadog refused', async () => {
  countsOfRun(0)
  const first = await runBundle()
  expect([first.code, annotations(first)]).toEqual([0, []])
  expect(first.stdout).toContain('No state in the Actions cache yet: this run starts one.')
  expect(first.stdout).toContain('Wrote the state of 2 account(s) to the Actions cache.')
  expect(first.summary).toContain('No earlier run is in the state yet: the next run shows what changed.')
  const created = cache.calls.find((call) => call.call === 'CreateCacheEntry')
  expect(created?.authorization).toBe(`Bearer ${cache.env.ACTIONS_RUNTIME_TOKEN}`)

  // The second run: 100 followers more each, and Datadog refuses everything it is sent.
  countsOfRun(1)
  dd.override = () => ({ status: 503, body: '{"errors":["Service unavailable"]}' })
  const second = await runBundle()
  dd.override = undefined
  // The run fails for the refused delivery, and says so (no line about the cache); its state is saved all the same.
  expect(second.code).toBe(1)
  expect(annotations(second)).toEqual([
    '::error title=Datadog did not accept the series::Datadog answered 503 after all retries. Datadog said: "Service unavailable".',
    '::error::twitter-stats failed: Datadog did not accept the series'
  ])
  expect(second.stdout).toContain('Read the state of 2 account(s) from the Actions cache.')
  // Collected but not delivered: the row has no counts, and the change all the same.
  expect(rowOf(second.summary, 'jack')).toBe('<tr><td>jack</td><td>X</td><td></td><td>+100</td><td></td><td></td><td></td><td>error</td></tr>')
  expect(second.summary).toContain('<p><b>Biggest gains</b>: jack (X) +100, nasa (X) +100</p>')
  const owed = (JSON.parse(second.undelivered ?? '{"series":[]}') as { series: unknown[] }).series.length
  expect(owed).toBeGreaterThan(0)
  expect(second.stdout).toContain(`Wrote the state of 2 account(s) to the Actions cache, with ${owed} series for the next run to re-send.`)
  expect(acceptedOfRun(1)).toBe(0)

  // The third run sends the second's series first, once, then its own.
  countsOfRun(2)
  const third = await runBundle()
  expect([third.code, annotations(third)]).toEqual([0, []])
  expect(third.stdout).toMatch(new RegExp(`Re-sending ${owed} series that Datadog did not accept in the run at \\d\\d:\\d\\d UTC\\.`))
  expect(third.stdout).toContain(`Datadog accepted the ${owed} re-sent series.`)
  expect(rowOf(third.summary, 'jack')).toContain('<td>1201</td><td>+100</td>')
  expect([acceptedOfRun(0), acceptedOfRun(1), acceptedOfRun(2)]).toEqual([2, 2, 2])
  expect(cache.entries.filter((entry) => entry.finalized)).toHaveLength(3)
  expect(first.stderr + second.stderr + third.stderr).toBe('')
})
