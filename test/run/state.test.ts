/** The pipeline with a state, in-process against the stand-ins: every fault of the state is one warning, and nothing collected is lost. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/parse.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { Logger } from '../../src/log.js'
import { runCollection, type RunReport } from '../../src/run/pipeline.js'
import { createFileStore } from '../../src/state/file-store.js'
import { encodeState, stateJson } from '../../src/state/format.js'
import { nextState } from '../../src/state/run-state.js'
import { StateStoreError, type StateStore } from '../../src/state/store.js'
import { decodeState } from '../../src/state/validate.js'
import { fakeClock } from '../support/clock.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let dir: string
const T0 = Date.UTC(2026, 11, 6, 14, 0, 0)

beforeAll(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
  dir = mkdtempSync(join(tmpdir(), 'state-run-'))
})
afterAll(async () => {
  await Promise.all([x.close(), dd.close()])
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => {
  dd.series.length = 0
  dd.override = undefined
})

interface Said {
  warnings: string[]
  infos: string[]
}

function logger(said: Said): Logger {
  return {
    info: (m) => void said.infos.push(m),
    warning: (m) => void said.warnings.push(m),
    error: () => {},
    group: (_name, task) => task()
  }
}

const config = (extra: Record<string, string> = {}) =>
  parseConfig({ accounts: 'jack, nasa', xBearerToken: X_TOKEN, xApiUrl: x.url, datadogApiKey: DD_KEY, datadogSite: dd.url, maxRetries: '0', ...extra })

async function run(state: StateStore | undefined, at = T0, extra: Record<string, string> = {}): Promise<RunReport & { said: Said }> {
  const said: Said = { warnings: [], infos: [] }
  const report = await runCollection(config(extra), { http: { ...realHttpDeps, ...fakeClock(), now: () => at }, logger: logger(said), state })
  return { ...report, said }
}

function memoryStore(initial?: Uint8Array): StateStore & { saved: Uint8Array[] } {
  let bytes = initial
  const saved: Uint8Array[] = []
  return {
    where: 'the test store',
    overlapAdvice: 'run one at a time',
    saved,
    load: () => Promise.resolve(bytes),
    // Nothing else writes to it.
    newer: () => Promise.resolve(undefined),
    save: (b) => {
      bytes = b
      saved.push(b)
      return Promise.resolve()
    }
  }
}

const accountSeries = (): number => dd.series.filter((s) => !s.metric.includes('.collector.')).length

describe('a store that fails', () => {
  test('a load failure is one warning; the run delivers everything and still writes its state', async () => {
    const store = { ...memoryStore(), load: () => Promise.reject(new StateStoreError('The Actions cache answered 503.')) }
    const report = await run(store)
    expect(report.ok).toBe(true)
    expect(report.said.warnings).toEqual(['The Actions cache answered 503. This run goes on without it and delivers as if there were none.'])
    expect(accountSeries()).toBe(12)
    expect(store.saved).toHaveLength(1)
  })

  test('a look for another run’s save that fails is a line of its own, and the state is saved all the same', async () => {
    const store = {
      ...memoryStore(),
      newer: () => Promise.reject(new StateStoreError('The Actions cache could not be asked for a newer state (it answered 503).'))
    }
    const report = await run(store)
    expect([report.ok, report.said.warnings, store.saved.length]).toEqual([true, [], 1])
    expect(report.said.infos).toContain(
      "The Actions cache could not be asked for a newer state (it answered 503). This run saves its own state without looking for another run's."
    )
  })

  test('a save failure is one warning; what was collected was delivered', async () => {
    const store = { ...memoryStore(), save: () => Promise.reject(new Error('EROFS: read-only file system')) }
    const report = await run(store)
    expect(report.ok).toBe(true)
    expect(report.said.warnings).toEqual([
      'The state could not be written to the test store (EROFS: read-only file system). What this run collected was delivered (or kept in its undelivered file) all the same.'
    ])
    expect(accountSeries()).toBe(12)
  })
})

describe('a state the run cannot use', () => {
  const previous = nextState(undefined, {
    prefix: 'social',
    samples: [{ account: { network: 'x', key: 'jack', handle: 'jack' }, timestamp: T0 / 1000 - 600, metrics: { followers_count: 1 } }],
    undelivered: [
      {
        collectedAt: T0 / 1000 - 600,
        series: [{ metric: 'social.followers_count', type: 3, points: [{ timestamp: T0 / 1000 - 600, value: 1 }], tags: ['account:jack'] }]
      }
    ],
    now: T0 / 1000 - 600
  })

  test.each([
    ['another prefix', encodeState(previous), 'was written for the metric prefix "social"'],
    ['a newer version', Buffer.from(stateJson(previous).replace('"version":1', '"version":7')), 'was written by a newer twitter-stats'],
    ['a foreign file', Buffer.from('{"accounts":{}}'), 'was not written by twitter-stats']
  ])('%s: one warning, nothing re-sent from it, no change known, and it is replaced', async (_name, bytes, reason) => {
    const store = memoryStore(bytes)
    const report = await run(store)
    expect(report.ok).toBe(true)
    expect(report.said.warnings).toHaveLength(1)
    expect(report.said.warnings[0]).toContain(reason)
    expect(dd.series.some((s) => s.metric.startsWith('social.'))).toBe(false)
    expect(report.changes?.every((c) => c.sincePrevious === null)).toBe(true)
    const written = decodeState(store.saved[0]!, 'twitter', T0 / 1000, 'x')
    expect(written.kind === 'ok' && [...written.state.accounts.keys()]).toEqual(['x:jack', 'x:nasa'])
  })

  test('series of a metric this run does not send are not re-sent from the state, and the run says so', async () => {
    const owed = nextState(undefined, {
      prefix: 'twitter',
      samples: [],
      undelivered: [
        {
          collectedAt: T0 / 1000 - 300,
          series: ['followers_count', 'media_count'].map((m) => ({
            metric: `twitter.${m}`,
            type: 3 as const,
            points: [{ timestamp: T0 / 1000 - 300, value: 5 }],
            tags: ['account:jack', 'network:x']
          }))
        }
      ],
      now: T0 / 1000 - 300
    })
    const report = await run(memoryStore(encodeState(owed)), T0, { metrics: 'followers_count' })
    expect(report.said.warnings).toEqual([
      "1 series kept in the state were not re-sent: they are not among this run's metrics (metric-prefix, metrics, self-monitoring) or their time is in the future."
    ])
    expect(dd.series.filter((s) => s.points[0]!.timestamp === T0 / 1000 - 300).map((s) => s.metric)).toEqual(['twitter.followers_count'])
    expect(report.state).toEqual({ where: 'the test store', resent: 1, accepted: 1 })
  })
})

describe('re-delivery across runs', () => {
  test('a re-send Datadog refuses again stays in the state for the next run, under its own run', async () => {
    const store = memoryStore()
    dd.override = () => ({ status: 503, body: '{"errors":["down"]}' })
    await run(store, T0)
    const second = await run(store, T0 + 300_000)
    expect(second.said.warnings.join('\n')).toContain('re-sent series were not accepted again')
    dd.override = undefined
    const third = await run(store, T0 + 600_000)
    expect(third.said.infos).toContain('Re-sending 38 series that Datadog did not accept in the runs at 14:00 UTC, 14:05 UTC.')
    expect(third.state).toEqual({ where: 'the test store', resent: 38, accepted: 38 })
    const fourth = await run(store, T0 + 900_000)
    expect(fourth.state?.resent).toBe(0)
  })

  test('a dry run reads the state for the changes but neither re-sends nor writes it', async () => {
    const store = memoryStore()
    await run(store, T0)
    const dry = await run(store, T0 + 60_000, { dryRun: 'true' })
    expect(dry.changes?.[0]?.sincePrevious).toMatchObject({ followers_count: 0 })
    expect(store.saved).toHaveLength(1)
  })
})

describe('overlapping runs', () => {
  test('two runs reading and writing one file at once: no crash, both deliver, the file is a whole state', async () => {
    const file = join(dir, 'overlap.json.gz')
    await run(createFileStore(file, 'run one at a time'), T0)
    dd.series.length = 0
    const [a, b] = await Promise.all([
      run(createFileStore(file, 'run one at a time'), T0 + 60_000),
      run(createFileStore(file, 'run one at a time'), T0 + 61_000)
    ])
    expect([a.ok, b.ok]).toEqual([true, true])
    // Whether the later save sees the earlier one depends on timing (test/state/overlap.test.ts interleaves them
    // on purpose): at most one line, and that one the overlap's.
    const said = [...a.said.warnings, ...b.said.warnings]
    expect(said.length).toBeLessThanOrEqual(1)
    for (const line of said) expect(line).toMatch(/^Another run saved the state in the file .* \(the runs overlapped\); .* run one at a time\.$/)
    expect(accountSeries()).toBe(24)
    const decoded = decodeState(readFileSync(file), 'twitter', T0 / 1000 + 120, file)
    expect(decoded.kind).toBe('ok')
    expect(decoded.kind === 'ok' && decoded.state.accounts.size).toBe(2)
  })
})
