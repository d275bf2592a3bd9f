/**
 * The state's three moments in a run, for the pipeline: open (read it, plan the re-send), re-send first, close
 * (build the next state and write it). Each failure is one warning; none stops the run.
 */
import type { DeliveryReport } from '../datadog/series.js'
import type { Logger } from '../log.js'
import type { MetricName, Sample, Series } from '../series/metrics.js'
import type { PendingSeries, RunState } from './format.js'
import { droppedMessages, planResend, resendingMessage, sendableMetrics, skippedMessage, stillPending, type ResendPlan } from './redelivery.js'
import { saveAcrossOverlap } from './overlap.js'
import { nextState, readState } from './run-state.js'
import type { StateStore } from './store.js'

export interface StateSession {
  store: StateStore
  settings: StateSettings
  /** The state read at the start, when it was usable. */
  state: RunState | undefined
  plan: ResendPlan
  /** Earlier runs' series still not accepted after the re-send, to keep. */
  kept: PendingSeries[]
  /** Series re-sent from the state, and how many of them Datadog accepted. */
  resent: number
  accepted: number
}

export interface StateSettings {
  prefix: string
  metrics: readonly MetricName[]
  selfMonitoring: boolean
}

/**
 * Reads the state and plans what to re-send from it; `now` in Unix seconds. `readOnly` (a dry run) only reads it,
 * for the changes: it plans no re-send, so it warns of nothing it would drop.
 */
export async function openState(store: StateStore, settings: StateSettings, now: number, logger: Logger, readOnly = false): Promise<StateSession> {
  const state = await readState(store, settings.prefix, now, logger)
  if (readOnly) return { store, settings, state, plan: { series: [], runOf: new Map(), dropped: [], skipped: 0 }, kept: [], resent: 0, accepted: 0 }
  const plan = planResend(state, sendableMetrics(settings.prefix, settings.metrics, settings.selfMonitoring), now)
  for (const message of droppedMessages(plan, now)) logger.warning(message)
  const skipped = skippedMessage(plan)
  if (skipped) logger.warning(skipped)
  // Until the re-send is tried, everything sendable is still owed.
  return { store, settings, state, plan, kept: stillPending(plan, plan.series), resent: 0, accepted: 0 }
}

/** Sends the earlier runs' series first; those refused again stay in the state while under their hour. */
export async function resendFirst(session: StateSession, submit: (series: Series[]) => Promise<DeliveryReport>, logger: Logger, now: number): Promise<void> {
  const { plan } = session
  if (plan.series.length === 0) return
  logger.info(resendingMessage(plan, now), { series: plan.series.length })
  const report = await submit(plan.series)
  session.resent = plan.series.length
  session.accepted = plan.series.length - report.undelivered.length
  session.kept = stillPending(plan, report.undelivered)
  if (report.undelivered.length === 0) logger.info(`Datadog accepted the ${plan.series.length} re-sent series.`, { series: plan.series.length })
  else {
    logger.warning(
      `${report.undelivered.length} of ${plan.series.length} re-sent series were not accepted again (${report.error ?? 'Datadog did not take them'}); they are kept for the next run while under an hour old.`
    )
  }
}

export interface ClosingRun {
  /** Every sample collected, delivered or not. */
  samples: Sample[]
  /** This run's series Datadog did not accept. */
  undelivered: Series[]
  /** Unix seconds: the run's own time, which its kept series are filed under. */
  collectedAt: number
  now: number
}

/** Builds the next state from the run and writes it, with what another run saved meanwhile (./overlap.ts). */
export async function closeState(session: StateSession, run: ClosingRun, logger: Logger): Promise<void> {
  const { settings } = session
  const undelivered = [...session.kept, { collectedAt: run.collectedAt, series: run.undelivered }]
  const next = nextState(session.state, { prefix: settings.prefix, samples: run.samples, undelivered, now: run.now })
  const written = await saveAcrossOverlap(session.store, next, { prefix: settings.prefix, now: run.now, resent: session.plan.series }, logger)
  if (written) {
    const owed = written.undelivered.reduce((n, group) => n + group.series.length, 0)
    const also = owed > 0 ? `, with ${owed} series for the next run to re-send` : ''
    logger.info(`Wrote the state of ${written.accounts.size} account(s) to ${session.store.where}${also}.`)
  }
}
