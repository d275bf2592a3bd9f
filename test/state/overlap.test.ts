/**
 * Two runs of one state overlapping (src/state/overlap.ts): the merge on plain data, then the whole scenario of
 * test/support/overlap-scenario.ts with the state in a file and in the Actions cache (the cache service stand-in);
 * the S3 object's is in test/e2e/state-s3.test.ts, against moto.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Sample, Series } from '../../src/model.js'
import { cacheKeyPrefix, cacheScopeOf, WORKFLOW_OVERLAP_ADVICE } from '../../src/state/cache-key.js'
import { createCacheStore } from '../../src/state/cache-store.js'
import { createFileStore } from '../../src/state/file-store.js'
import { mergeStates, overlapMessage } from '../../src/state/overlap.js'
import { snapshotOf } from '../../src/state/format.js'
import { nextState } from '../../src/state/run-state.js'
import type { StateStore } from '../../src/state/store.js'
import { startCacheServiceStandIn, type CacheServiceStandIn } from '../support/cache-service-stand-in.js'
import { expectBothRunsKept, OVERLAP_T0, overlappingRuns } from '../support/overlap-scenario.js'
import { metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const DAY = 86_400
const NOW = 1_765_000_000
const jack = { network: 'x' as const, key: 'jack', handle: 'jack' }
const nasa = { network: 'x' as const, key: 'nasa', handle: 'nasa' }
const sample = (account: typeof jack, timestamp: number, followers_count: number, id?: string): Sample =>
  id === undefined ? { account, timestamp, metrics: { followers_count } } : { account, timestamp, metrics: { followers_count }, id }
const series = (metric: string, timestamp: number, account = 'jack'): Series => ({
  metric,
  type: 3,
  points: [{ timestamp, value: 1 }],
  tags: [`account:${account}`, 'network:x']
})

describe('merging the state another run saved meanwhile', () => {
  // Both runs started from a state of yesterday; ours collected at NOW, theirs a minute later.
  const start = nextState(undefined, { prefix: 'twitter', samples: [sample(jack, NOW - DAY, 90)], undelivered: [], now: NOW - DAY })
  const owed = series('twitter.followers_count', NOW - 1200)

  test('each account keeps the newer values, the snapshots of both, and an id either run learned', () => {
    const ours = nextState(start, { prefix: 'twitter', samples: [sample(jack, NOW, 100)], undelivered: [], now: NOW })
    const theirs = nextState(start, {
      prefix: 'twitter',
      samples: [sample(jack, NOW + 60, 101, '12'), sample(nasa, NOW + 60, 7)],
      undelivered: [],
      now: NOW + 60
    })
    const { state } = mergeStates(ours, theirs, { prefix: 'twitter', now: NOW + 60, resent: [] })
    expect(state.accounts.get('x:jack')).toEqual({
      id: '12',
      last: snapshotOf(NOW + 60, { followers_count: 101 }),
      daily: [...snapshotOf(NOW - DAY, { followers_count: 90 }), ...snapshotOf(NOW, { followers_count: 100 })]
    })
    expect(state.accounts.get('x:nasa')?.last).toEqual([NOW + 60, 7, null, null, null, null, null])
    // And the other way round: what is newer wins whichever run holds it.
    expect(mergeStates(theirs, ours, { prefix: 'twitter', now: NOW + 60, resent: [] }).state.accounts.get('x:jack')?.last[0]).toBe(NOW + 60)
  })

  test('their undelivered series are kept, except those this run re-sent, holds already, or of another prefix', () => {
    const mine = series('twitter.followers_count', NOW)
    const theirsOwn = [series('twitter.followers_count', NOW + 60), series('twitter.followers_count', NOW + 60, 'nasa')]
    const ours = nextState(start, { prefix: 'twitter', samples: [], undelivered: [{ collectedAt: NOW, series: [mine] }], now: NOW })
    const theirs = nextState(start, {
      prefix: 'twitter',
      samples: [],
      undelivered: [
        { collectedAt: NOW - 1200, series: [owed] },
        { collectedAt: NOW, series: [mine] },
        { collectedAt: NOW + 60, series: [...theirsOwn, series('social.followers_count', NOW + 60)] }
      ],
      now: NOW + 60
    })
    const { state, kept } = mergeStates(ours, theirs, { prefix: 'twitter', now: NOW + 60, resent: [{ ...owed }] })
    expect(kept).toBe(2)
    expect(state.undelivered).toEqual([
      { collectedAt: NOW, series: [mine] },
      { collectedAt: NOW + 60, series: theirsOwn }
    ])
    // Merged again (a second conflict), nothing is counted or kept twice.
    expect(mergeStates(state, theirs, { prefix: 'twitter', now: NOW + 60, resent: [owed] })).toEqual({ state, kept: 0 })
  })
})

test('the line an overlap gets says what was kept, and the advice of where the run runs', () => {
  const store = createFileStore('state.json', 'start a run only after the last one ended')
  expect(overlapMessage(store, 0)).toBe(
    "Another run saved the state in the file state.json while this one ran (the runs overlapped); its accounts' values are kept with this run's. To keep runs from overlapping, start a run only after the last one ended."
  )
  expect(overlapMessage(store, 1)).toContain('; its 1 undelivered series is kept for the next run, and its accounts')
})

describe('two runs overlapping', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  let dir: string

  beforeAll(async () => {
    ;[x, dd] = await Promise.all([startXStandIn(), startDatadogStandIn()])
  })
  afterAll(async () => {
    await Promise.all([x.close(), dd.close()])
  })
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'twitter-stats-overlap-'))
    x.users.clear()
    x.users.set('jack', metricsFor(1)).set('nasa', metricsFor(2))
    dd.series.length = 0
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  test('in a file: the run that saves last keeps what the other saved, and says so in one line', async () => {
    const file = join(dir, 'state.json.gz')
    const outcome = await overlappingRuns({ x, dd, storeOf: () => createFileStore(file, WORKFLOW_OVERLAP_ADVICE) })
    expectBothRunsKept(outcome, createFileStore(file, WORKFLOW_OVERLAP_ADVICE))
    expect(outcome.a.warnings[0]).toBe(
      `Another run saved the state in the file ${file} while this one ran (the runs overlapped); its ${outcome.zero.delivery!.undelivered.length} undelivered series are kept for the next run, and its accounts' values with this run's. To keep runs from overlapping, give the workflow a \`concurrency:\` group (docs/state.md).`
    )
  })

  describe('in the Actions cache', () => {
    let service: CacheServiceStandIn
    let savedEnv: NodeJS.ProcessEnv
    let restoreWrite: () => void
    const runner = { GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/stats.yml@refs/heads/main', GITHUB_JOB: 'collect', GITHUB_RUN_ATTEMPT: '1' }

    beforeEach(async () => {
      service = await startCacheServiceStandIn()
      savedEnv = process.env
      // @actions/cache reads process.env itself, as on a runner.
      process.env = { PATH: savedEnv.PATH, RUNNER_TEMP: dir, ...runner, ...service.env }
      // The library's ::add-mask:: commands for its signed URLs reach stdout, as they must on a runner; not here.
      const own = Object.getOwnPropertyDescriptor(process.stdout, 'write')
      Object.defineProperty(process.stdout, 'write', { value: () => true, configurable: true, writable: true })
      restoreWrite = () => (own ? Object.defineProperty(process.stdout, 'write', own) : Reflect.deleteProperty(process.stdout, 'write'))
    })
    afterEach(async () => {
      restoreWrite()
      process.env = savedEnv
      await service.close()
    })

    test('the run that saves last finds the newer entry by its key, and keeps what it holds', async () => {
      const prefix = cacheKeyPrefix(cacheScopeOf(runner, ['x:jack', 'x:nasa'], 'twitter'))
      let runId = 500
      const storeOf = (_run: string, at: number): StateStore => {
        process.env.GITHUB_RUN_ID = String(++runId)
        return createCacheStore({ prefix, env: { ...process.env }, dir: join(dir, 'twitter-stats-state'), now: () => at, budgetMs: () => 20_000 })
      }
      const outcome = await overlappingRuns({ x, dd, storeOf })
      expectBothRunsKept(outcome, storeOf('', 0))
      expect(service.entries.filter((entry) => entry.finalized)).toHaveLength(5)
      // Each run asked for the newest entry twice, to load and to look before its save; only A's look found a newer
      // one (B's), which it then restored by its exact key.
      const lookups = service.calls.filter((call) => call.call === 'GetCacheEntryDownloadURL').map((call) => call.body?.key)
      expect(lookups).toHaveLength(5 * 2 + 1)
      expect(lookups.filter((key) => key !== prefix)).toEqual([expect.stringMatching(new RegExp(`^${prefix}\\d+-1-${OVERLAP_T0 + 6 * 60_000}$`))])
    })
  })
})
