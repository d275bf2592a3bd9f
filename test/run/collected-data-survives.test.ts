/**
 * Collected data survives anything: when a part of the pipeline throws what nobody expected (a source,
 * the Datadog client, provisioning), the series collected so far are still sent, or kept as the
 * re-sendable body, and the run fails saying why.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createSources, runCollection, type RunDeps, type RunReport } from '../../src/run/pipeline.js'
import { parseConfig } from '../../src/config/parse.js'
import type { DatadogApi } from '../../src/datadog/v1-api.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { Logger } from '../../src/log.js'
import type { Source } from '../../src/sources/types.js'
import { fakeClock } from '../support/clock.js'
import { runActionInProcess } from '../support/run-action.js'
import { startBlueskyStandIn } from '../support/network-stand-ins.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type StandIn, type XStandIn } from '../support/stand-ins.js'

const silent: Logger = { info: () => {}, warning: () => {}, error: () => {}, group: (_name, task) => task() }

let x: XStandIn
let bluesky: StandIn
let datadog: DatadogStandIn

beforeAll(async () => {
  x = await startXStandIn({ alice: metricsFor(1), bob: metricsFor(2) })
  bluesky = await startBlueskyStandIn([
    { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', handle: 'carol.bsky.social', followersCount: 5, followsCount: 6, postsCount: 7 }
  ])
  datadog = await startDatadogStandIn()
})
afterAll(async () => {
  await Promise.all([x.close(), bluesky.close(), datadog.close()])
})

function config(extra: Record<string, string> = {}): ReturnType<typeof parseConfig> {
  return parseConfig({
    accounts: 'alice, bob, carol.bsky.social',
    xBearerToken: X_TOKEN,
    xApiUrl: x.url,
    blueskyApiUrl: bluesky.url,
    datadogApiKey: DD_KEY,
    datadogSite: datadog.url,
    ...extra
  })
}

async function run(overrides: Partial<RunDeps> = {}, extra: Record<string, string> = {}): Promise<RunReport> {
  datadog.series.length = 0
  return runCollection(config(extra), { http: { ...realHttpDeps, ...fakeClock() }, logger: silent, ...overrides })
}

/** The accounts' own series that reached Datadog, as account:metric. */
const accepted = (): string[] =>
  datadog.series
    .filter((s) => !s.metric.includes('.collector.'))
    .map((s) => `${s.tags.find((t) => t.startsWith('account:'))}:${s.metric}`)
    .sort()

const throwing = (network: Source['network']): Source => ({
  network,
  collect: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'profiles')"))
})

describe('a part that throws unexpectedly', () => {
  test('a source that throws fails its own accounts; the other networks are sent, and the run fails saying why', async () => {
    const xSource = createSources(config(), realHttpDeps).find((s) => s.network === 'x')!
    const report = await run({ sources: [xSource, throwing('bluesky')] })
    expect(accepted().filter((s) => s.startsWith('account:carol'))).toEqual([])
    expect(accepted().filter((s) => s.startsWith('account:alice'))).toHaveLength(6)
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.message).join('\n')).toContain(
      "stopped unexpectedly while collecting the Bluesky accounts (Cannot read properties of undefined (reading 'profiles'))"
    )
    expect([report.collected, report.failed]).toEqual([2, 1])
  })

  test('a Datadog client that throws: every series is kept as the re-sendable body and the run fails saying why', async () => {
    const report = await run({ client: { submit: () => Promise.reject(new RangeError('Invalid array length')) } })
    expect(report.ok).toBe(false)
    expect(report.delivery?.undelivered).toEqual(report.series)
    expect(report.series.filter((s) => !s.metric.includes('.collector.'))).toHaveLength(6 + 6 + 3)
    expect(report.problems.map((p) => p.message).join('\n')).toContain('stopped unexpectedly while sending the series to Datadog (Invalid array length)')
    expect([report.collected, report.failed]).toEqual([0, 3])
  })

  test('a Datadog client that throws in a dry run: the run fails saying why, nothing is lost', async () => {
    const report = await run({ client: { submit: () => Promise.reject(new Error('printer on fire')) } }, { dryRun: 'true' })
    expect(report.ok).toBe(false)
    expect(report.delivery?.undelivered).toHaveLength(15)
    expect(report.problems.map((p) => p.message).join('\n')).toContain('printer on fire')
  })

  test('provisioning that throws: the series stay delivered and the run fails saying why', async () => {
    const api = new Proxy({} as DatadogApi, {
      get: () => () => Promise.reject(new TypeError('dashboard.widgets is not iterable'))
    })
    const report = await run({ api }, { datadogAppKey: 'app-key-0123456789', datadogDashboard: 'true' })
    expect(accepted()).toHaveLength(15)
    expect(report.delivery?.undelivered).toEqual([])
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.message).join('\n')).toContain('dashboard.widgets is not iterable')
    expect([report.collected, report.failed]).toEqual([3, 0])
  })

  test('a logger that throws while collecting: what was collected is still sent', async () => {
    let calls = 0
    const logger: Logger = {
      ...silent,
      group: async (name, task) => {
        const result = await task()
        if (calls++ === 0) throw new Error('EPIPE: the log went away')
        return result
      }
    }
    const report = await run({ logger })
    expect(accepted()).toHaveLength(15)
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.message).join('\n')).toContain('EPIPE: the log went away')
  })
})

describe('through the action', () => {
  test('a job summary that cannot be written: the series are sent, the outputs set, and the run fails saying why', async () => {
    datadog.series.length = 0
    const settings = { 'x-bearer-token': X_TOKEN, 'x-api-url': x.url, 'bluesky-api-url': bluesky.url, 'datadog-api-key': DD_KEY, 'datadog-site': datadog.url }
    const result = await runActionInProcess({ accounts: 'alice, bob, carol.bsky.social', ...settings }, { GITHUB_STEP_SUMMARY: '/' })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('::error::The job summary could not be written to GITHUB_STEP_SUMMARY (/): EISDIR')
    expect(result.stdout).not.toContain('stopped unexpectedly')
    expect([result.outputs['accounts-collected'], result.outputs['accounts-failed']]).toEqual(['3', '0'])
    expect(accepted()).toHaveLength(15)
  })
})
