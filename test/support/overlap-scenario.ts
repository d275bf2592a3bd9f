/**
 * Two runs of one state overlapping, interleaved deterministically through the store, for each kind of store:
 *
 *   14:00  run 0: Datadog refuses everything; its series go into the state
 *   14:05  run A reads that state, re-sends run 0's series (accepted), collects and delivers (accepted) …
 *   14:06    … and just before A saves (or, `between: 'look and save'`, after its look and before its save), run B
 *            runs whole: it read the same state, and Datadog refuses all it sends, so it saves its own series too
 *   14:05  A saves, and says in one line that another run saved meanwhile
 *   14:10  run C re-sends what B could not deliver, exactly once; run D at 14:15 re-sends nothing
 *
 * The pipeline runs in process against the X and Datadog stand-ins; `storeOf(run, at)` gives each run a store of
 * its own on the one state (a file, the Actions cache, an S3 object).
 */
import { expect } from '@jest/globals'
import { parseConfig } from '../../src/config/parse.js'
import { realHttpDeps } from '../../src/http/send.js'
import type { Logger } from '../../src/log.js'
import { runCollection, type RunReport } from '../../src/run/pipeline.js'
import { overlapMessage } from '../../src/state/overlap.js'
import type { StateStore } from '../../src/state/store.js'
import { fakeClock } from './clock.js'
import { DD_KEY, X_TOKEN, metricsFor, type DatadogStandIn, type XStandIn } from './stand-ins.js'

export const OVERLAP_T0 = Date.UTC(2026, 11, 6, 14, 0, 0)
const MINUTE = 60_000

export interface OverlapRun extends RunReport {
  warnings: string[]
  infos: string[]
}

export interface OverlapOutcome {
  zero: OverlapRun
  a: OverlapRun
  b: OverlapRun
  c: OverlapRun
  d: OverlapRun
  /** How many series Datadog accepted with a point of each run's time: run 0's, A's and B's. */
  accepted: { zero: number; a: number; b: number }
}

export interface OverlapSetting {
  x: XStandIn
  dd: DatadogStandIn
  storeOf: (run: string, at: number) => StateStore
  /** Where B runs within A's save: before A's look for another run's state (the default), or between it and the write. */
  between?: 'look' | 'look and save'
}

async function runAt(setting: OverlapSetting, store: StateStore, at: number): Promise<OverlapRun> {
  const { x, dd } = setting
  const warnings: string[] = []
  const infos: string[] = []
  const logger: Logger = { info: (m) => void infos.push(m), warning: (m) => void warnings.push(m), error: () => {}, group: (_name, task) => task() }
  const config = parseConfig({ accounts: 'jack, nasa', xBearerToken: X_TOKEN, xApiUrl: x.url, datadogApiKey: DD_KEY, datadogSite: dd.url, maxRetries: '0' })
  const report = await runCollection(config, { http: { ...realHttpDeps, ...fakeClock(), now: () => at }, logger, state: store })
  return { ...report, warnings, infos }
}

const refuseAll = (dd: DatadogStandIn): void => void (dd.override = () => ({ status: 503, body: '{"errors":["Service unavailable"]}' }))

export async function overlappingRuns(setting: OverlapSetting): Promise<OverlapOutcome> {
  const { x, dd } = setting
  const at = (minutes: number): number => OVERLAP_T0 + minutes * MINUTE
  refuseAll(dd)
  const zero = await runAt(setting, setting.storeOf('0', at(0)), at(0))
  dd.override = undefined

  let b: OverlapRun | undefined
  const runB = async (): Promise<void> => {
    if (b) return
    // B sees other counts, so the merge shows whose values are newer.
    x.users.set('jack', metricsFor(50))
    refuseAll(dd)
    b = await runAt(setting, setting.storeOf('b', at(6)), at(6))
    dd.override = undefined
  }
  const own = setting.storeOf('a', at(5))
  const hooked: StateStore = {
    where: own.where,
    overlapAdvice: own.overlapAdvice,
    load: () => own.load(),
    newer: async () => {
      if ((setting.between ?? 'look') === 'look') await runB()
      return own.newer()
    },
    save: async (bytes) => {
      await runB()
      return own.save(bytes)
    }
  }
  const a = await runAt(setting, hooked, at(5))
  const c = await runAt(setting, setting.storeOf('c', at(10)), at(10))
  const d = await runAt(setting, setting.storeOf('d', at(15)), at(15))
  const acceptedAt = (minutes: number): number => dd.series.filter((series) => series.points.some((p) => p.timestamp === at(minutes) / 1000)).length
  return { zero, a, b: b!, c, d, accepted: { zero: acceptedAt(0), a: acceptedAt(5), b: acceptedAt(6) } }
}

/** What every store shows: each run's data delivered once, B's undelivered series re-sent once by C, one line. */
export function expectBothRunsKept(outcome: OverlapOutcome, store: StateStore): void {
  const { zero, a, b, c, d, accepted } = outcome
  const n = zero.delivery!.undelivered.length
  expect(n).toBeGreaterThan(0)
  expect(b.delivery!.undelivered).toHaveLength(n)
  expect(a.infos).toContain(`Re-sending ${n} series that Datadog did not accept in the run at 14:00 UTC.`)
  expect([a.ok, c.ok, d.ok]).toEqual([true, true, true])
  expect(a.warnings).toEqual([overlapMessage(store, n)])
  // The look itself went without a fault.
  expect(a.infos.filter((line) => line.includes('read again'))).toEqual([])
  expect(c.infos).toContain(`Re-sending ${n} series that Datadog did not accept in the run at 14:06 UTC.`)
  expect([c.state, d.state?.resent]).toEqual([{ where: store.where, resent: n, accepted: n }, 0])
  // Run 0's series were re-sent once (by A), A's own sent once, B's once (by C).
  expect(accepted).toEqual({ zero: n, a: n, b: n })
  // B's values (jack at 1,050 followers) were the newer: C, collecting the same, sees no change since.
  expect(c.changes?.find((change) => change.account === 'jack')?.sincePrevious).toMatchObject({ followers_count: 0 })
}
