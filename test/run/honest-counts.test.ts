/**
 * Honest counts: `accounts-collected` means collected and delivered (or printed in a dry run), and
 * `accounts-collected + accounts-failed` always equals the accounts listed, in the outputs, the
 * summary and the collector's own series alike.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { summaryRows } from '../../src/run/account-rows.js'
import { runCollection, type RunReport } from '../../src/run/pipeline.js'
import { parseConfig } from '../../src/config/parse.js'
import { ConfigError } from '../../src/text/errors.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { Logger } from '../../src/log.js'
import { fakeClock } from '../support/clock.js'
import { startBlueskyStandIn } from '../support/network-stand-ins.js'
import { runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type StandIn, type XStandIn } from '../support/stand-ins.js'

const silent: Logger = { info: () => {}, warning: () => {}, error: () => {}, group: (_name, task) => task() }
const X_NAMES = Array.from({ length: 150 }, (_, i) => `user${i}`)
const DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'

let x: XStandIn
let bluesky: StandIn
let datadog: DatadogStandIn

beforeAll(async () => {
  x = await startXStandIn(Object.fromEntries(X_NAMES.map((name, i) => [name, metricsFor(i)])))
  bluesky = await startBlueskyStandIn([{ did: DID, handle: 'carol.bsky.social', followersCount: 5, followsCount: 6, postsCount: 7 }])
  datadog = await startDatadogStandIn()
})
afterAll(async () => {
  await Promise.all([x.close(), bluesky.close(), datadog.close()])
})

function settings(accounts: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    accounts,
    xBearerToken: X_TOKEN,
    xApiUrl: x.url,
    blueskyApiUrl: bluesky.url,
    datadogApiKey: DD_KEY,
    datadogSite: datadog.url,
    concurrency: '1',
    ...extra
  }
}

async function run(accounts: string, extra: Record<string, string> = {}): Promise<RunReport> {
  datadog.series.length = 0
  return runCollection(parseConfig(settings(accounts, extra)), { http: { ...realHttpDeps, ...fakeClock() }, logger: silent })
}

/** The collector's own gauge for a metric and these tags, as Datadog received it. */
function collector(name: string, ...tags: string[]): number | undefined {
  return datadog.series.find((s) => s.metric === `twitter.collector.${name}` && tags.every((t) => s.tags.includes(t)))?.points[0]?.value
}

function expectInvariant(report: RunReport): void {
  expect(report.collected + report.failed).toBe(report.accounts.length)
  const rows = summaryRows(report)
  expect(rows.filter((row) => row[6] === 'ok')).toHaveLength(report.collected)
}

const laterBatch401 = (): void => {
  // The first batch of 100 goes through; the second is refused as if the token was revoked meanwhile.
  x.override = (_request, index) =>
    index >= 1 ? { status: 401, body: JSON.stringify({ title: 'Unauthorized', detail: 'Unauthorized', status: 401 }) } : undefined
}

describe('X rejects the credentials on a later batch', () => {
  afterAll(() => {
    x.override = undefined
  })

  test('the earlier batch is withheld and counted failed, in the report, the summary rows and the collector series', async () => {
    laterBatch401()
    const report = await run([...X_NAMES, 'carol.bsky.social'].join(','))
    expect([report.collected, report.failed]).toEqual([1, 150])
    expectInvariant(report)
    expect(summaryRows(report).filter((row) => row[1] === 'x' && row[6] === 'ok')).toEqual([])
    expect(datadog.series.filter((s) => s.tags.includes('network:x') && !s.metric.includes('.collector.'))).toEqual([])
    expect(collector('accounts_collected', 'network:x')).toBe(0)
    expect(collector('accounts_failed', 'network:x', 'reason:error')).toBe(150)
    expect(collector('accounts_collected', 'network:bluesky')).toBe(1)
  })

  test('through the action: accounts-collected and accounts-failed say the same', async () => {
    laterBatch401()
    const s = settings([...X_NAMES, 'carol.bsky.social'].join(','))
    const result = await runActionInProcess(
      {
        accounts: s.accounts!,
        'x-bearer-token': X_TOKEN,
        'x-api-url': x.url,
        'bluesky-api-url': bluesky.url,
        'datadog-api-key': DD_KEY,
        'datadog-site': datadog.url,
        concurrency: '1'
      },
      {},
      fakeClock()
    )
    expect([result.outputs['accounts-collected'], result.outputs['accounts-failed']]).toEqual(['1', '150'])
    expect(result.summary).toContain('1 of 151 account(s) collected, 150 failed')
  })
})

describe('Datadog does not accept the series', () => {
  test('every account whose series were refused counts as failed, and its series are in the re-sendable body', async () => {
    const report = await run('user1, user2, carol.bsky.social', { datadogApiKey: 'wrong-key-0123456789' })
    expect([report.collected, report.failed]).toEqual([0, 3])
    expectInvariant(report)
    expect(report.delivery?.undelivered.filter((s) => !s.metric.includes('.collector.'))).toHaveLength(6 + 6 + 3)
    expect(report.failures.every((f) => f.undelivered)).toBe(true)
    // The delivery error is the problem, said once; no "could not be collected" on top.
    expect(report.problems).toHaveLength(1)
  })

  test('in a dry run, printed counts as collected', async () => {
    const report = await run('user1, carol.bsky.social', { dryRun: 'true', datadogApiKey: '' })
    expect([report.collected, report.failed]).toEqual([2, 0])
  })
})

describe('small ones', () => {
  test('one Bluesky profile listed as its handle and its DID is collected and sent once', async () => {
    const report = await run(`carol.bsky.social, ${DID}`)
    expect(report.accounts.map((a) => a.handle)).toEqual(['carol.bsky.social'])
    expect([report.collected, report.failed]).toEqual([1, 0])
    expect(datadog.series.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(1)
    expect(report.warnings.join('\n')).toContain(`Bluesky accounts carol.bsky.social and ${DID} are the same profile`)
  })

  test('a profile URL with a malformed escape is a configuration error naming the entry', () => {
    expect(() => parseAccounts('https://bsky.app/profile/%E0%A4%A, jack')).toThrow(ConfigError)
    expect(() => parseAccounts('https://bsky.app/profile/%E0%A4%A')).toThrow(/https:\/\/bsky.app\/profile\/%E0%A4%A/)
  })
})
