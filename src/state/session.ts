/**
 * The state's moments in a run, for the pipeline: open (read it, plan the re-send), re-send first, work ahead
 * (while Datadog answers: the changes, the next state's accounts and its bytes begun), close (finish the next
 * state and write it). Each failure is one warning; none stops the run.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { DeliveryReport } from '../datadog/series.js'
import type { Logger } from '../log.js'
import type { MetricName, Sample, Series } from '../model.js'
import { startEncoding, type StateEncoding } from './encoding.js'
import { accountTexts, type PendingSeries, type RunState } from './format.js'
import { droppedMessages, planResend, resendingMessage, sendableMetrics, skippedMessage, stillPending, type ResendPlan } from './redelivery.js'
import { computeChanges, type AccountChange } from './changes.js'
import { saveAcrossOverlap } from './overlap.js'
import { nextAccounts, nextState, readState } from './run-state.js'
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

/** The next state's accounts, and its bytes begun: all of the next state but what Datadog's answer decides. */
export interface PreparedClose {
  samples: Sample[]
  encoding: StateEncoding
}

/** What the end of a run needs from the state and the samples, and not from Datadog's answer. */
export interface WorkedAhead {
  changes: AccountChange[]
  /** When the run writes the state. */
  closing: PreparedClose | undefined
}

export interface AheadOptions {
  metrics: readonly MetricName[]
  /** Unix seconds: the changes are taken at the run's start, the accounts forgotten as of now. */
  changesAt: number
  now: number
  /** Whether the run writes the state (not a dry run). */
  writes: boolean
}

/** Accounts (or samples) worked on between two turns of the event loop: a few milliseconds of work. */
const SLICE = 1000

/** `work` on `items` a slice at a time, each slice in its own turn, so the requests in flight go on meanwhile. */
async function eachSlice<T>(items: readonly T[], work: (slice: readonly T[]) => void): Promise<void> {
  for (let start = 0; start < items.length; start += SLICE) {
    await nextTurn()
    work(items.slice(start, start + SLICE))
  }
}

/**
 * Works out the changes and the next state, and begins its bytes, while the run waits on Datadog's answer (its
 * longest wait after collecting), a slice at a time so the requests go on meanwhile: their CPU time fills that
 * wait, and the compression runs on zlib's threads (./encoding.ts).
 */
export async function workAhead(session: StateSession | undefined, samples: Sample[], options: AheadOptions): Promise<WorkedAhead> {
  const changes: AccountChange[] = []
  await eachSlice(samples, (slice) => changes.push(...computeChanges(session?.state, slice, options.metrics, options.changesAt)))
  if (!session || !options.writes) return { changes, closing: undefined }
  await nextTurn()
  const accounts = nextAccounts(session.state, samples, options.now)
  const encoding = startEncoding(session.settings.prefix, accounts)
  await eachSlice([...accounts], (slice) => encoding.add(accountTexts(slice)))
  return { changes, closing: { samples, encoding } }
}

/**
 * Builds the next state from the run and writes it, with what another run saved meanwhile (./overlap.ts);
 * `prepared` when its accounts were worked out ahead from the same samples.
 */
export async function closeState(session: StateSession, run: ClosingRun, logger: Logger, prepared?: PreparedClose): Promise<void> {
  const { settings } = session
  const undelivered = [...session.kept, { collectedAt: run.collectedAt, series: run.undelivered }]
  const ahead = prepared?.samples === run.samples ? prepared.encoding : undefined
  const input = { prefix: settings.prefix, samples: run.samples, undelivered, now: run.now }
  const next = ahead ? nextState(session.state, input, ahead.accounts) : nextState(session.state, input)
  const context = { prefix: settings.prefix, now: run.now, resent: session.plan.series }
  const written = await saveAcrossOverlap(session.store, next, context, logger, ahead)
  prepared?.encoding.discard()
  if (written) {
    const owed = written.undelivered.reduce((n, group) => n + group.series.length, 0)
    const also = owed > 0 ? `, with ${owed} series for the next run to re-send` : ''
    logger.info(`Wrote the state of ${written.accounts.size} account(s) to ${session.store.where}${also}.`)
  }
}
