/**
 * One fault scenario: fresh X and Datadog stand-ins, scripted faults, the action's source run once
 * in-process on a fake clock (backoffs and rate-limit waits are instant and recorded), and what each
 * side saw. Each scenario has its own servers; the runs themselves take turns (see runActionInProcess).
 */
import {
  DD_KEY,
  X_TOKEN,
  metricsFor,
  startDatadogStandIn,
  startXStandIn,
  type Answer,
  type DatadogStandIn,
  type Override,
  type RecordedRequest,
  type XStandIn,
  type XUser
} from './stand-ins.js'
import { fakeClock } from './clock.js'
import { runActionInProcess, type ActionResult } from './run-action.js'

/** Few retries and a short allowed rate-limit wait; the waits themselves are on the fake clock. */
export const FAST_INPUTS = { 'request-timeout': '2', 'max-retries': '2', 'rate-limit-max-wait': '5' }

/**
 * For cases where a stand-in hangs: a request timeout is real time (the transport's own timer), so
 * it is short here. Normal answers come from this very process in milliseconds, far inside it.
 */
export const HANG_TIMEOUT = { 'request-timeout': '0.5' }

/** 120 accounts: batch A (u0..u99) and batch B (u100..u119), two X requests. */
export const MANY = Array.from({ length: 120 }, (_, i) => `u${i}`)
export const BATCH_A = MANY.slice(0, 100)
export const BATCH_B = MANY.slice(100)

export interface ScenarioOptions {
  users?: Record<string, XUser>
  accounts?: string[]
  x?: Override
  dd?: Override
  inputs?: Record<string, string>
  xToken?: string
  ddKey?: string
}

export interface Scenario {
  result: ActionResult
  /** The waits the run asked for (backoffs, rate-limit waits), in milliseconds. */
  sleeps: number[]
  x: XStandIn
  /** Its `series` holds the account series; the collector's own (self-monitoring) ones are in `collectorSeries`. */
  dd: DatadogStandIn & { collectorSeries: DatadogStandIn['series'] }
  /** The run's messages: stdout without the ::add-mask:: lines. */
  log: string
}

export function usersFor(names: string[]): Record<string, XUser> {
  return Object.fromEntries(names.map((name, i) => [name, metricsFor(i)]))
}

export async function runScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const accounts = options.accounts ?? MANY
  const x = await startXStandIn(options.users ?? usersFor(accounts), options.xToken ?? X_TOKEN)
  const dd = await startDatadogStandIn(options.ddKey ?? DD_KEY)
  x.override = options.x
  dd.override = options.dd
  try {
    const clock = fakeClock()
    const result = await runActionInProcess(
      {
        accounts: accounts.join(','),
        'x-bearer-token': options.xToken ?? X_TOKEN,
        'datadog-api-key': options.ddKey ?? DD_KEY,
        'datadog-site': dd.url,
        'x-api-url': x.url,
        ...FAST_INPUTS,
        ...options.inputs
      },
      {},
      clock
    )
    const log = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    // The matrix is about account data; the collector's series are checked in test/series/self-monitoring.test.ts.
    const split = Object.assign(dd, { collectorSeries: dd.series.filter((series) => isCollectorSeries(series)) })
    split.series = dd.series.filter((series) => !isCollectorSeries(series))
    return { result, sleeps: clock.sleeps, x, dd: split, log }
  } finally {
    await x.close()
    await dd.close()
  }
}

export function isCollectorSeries(series: { metric: string }): boolean {
  return series.metric.startsWith('twitter.collector.')
}

/** The usernames an X lookup asked for. */
export function usernamesOf(request: RecordedRequest): string[] {
  return (new URL(request.url, 'http://127.0.0.1').searchParams.get('usernames') ?? '').split(',').filter(Boolean)
}

export function isBatchB(request: RecordedRequest): boolean {
  return usernamesOf(request).includes(BATCH_B[0]!)
}

/**
 * An override that answers `answer` to the requests `when` selects, the first `times` of them
 * (all of them by default), and normally to everything else.
 */
export function fault(
  answer: Answer | ((normal: () => Answer) => Answer),
  options: { times?: number; when?: (request: RecordedRequest) => boolean } = {}
): Override {
  let left = options.times ?? Infinity
  return (request, _index, normal) => {
    if (left <= 0 || (options.when && !options.when(request))) return undefined
    left--
    return typeof answer === 'function' ? answer(normal) : answer
  }
}

/** Answers the requests `when` selects with `answers` in turn, then normally. */
export function faultSequence(answers: Answer[], options: { when?: (request: RecordedRequest) => boolean } = {}): Override {
  let next = 0
  return (request) => (next < answers.length && (!options.when || options.when(request)) ? answers[next++] : undefined)
}

/** The first of several overrides that has an answer. */
export function firstOf(...overrides: Override[]): Override {
  return (request, index, normal) => overrides.reduce<Answer | undefined>((answer, override) => answer ?? override(request, index, normal), undefined)
}

/** Rewrites the JSON body of the normal answer. */
export function editBody(normal: () => Answer, edit: (body: Record<string, unknown>) => unknown): Answer {
  const answer = normal()
  return { ...answer, body: JSON.stringify(edit(JSON.parse(answer.body ?? '{}') as Record<string, unknown>)) }
}

export const HTML_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream connect error</p></body></html>'

/** The accounts of the series Datadog accepted (from their account: tag). */
export function accountsSent(dd: DatadogStandIn): Set<string> {
  return new Set(dd.series.map((s) => s.tags.find((t) => t.startsWith('account:'))!.slice('account:'.length)))
}

/** Identity of a series point: the same metric, tags and timestamp overwrite each other in Datadog. */
export function pointKey(series: DatadogStandIn['series'][number]): string {
  return `${series.metric}|${series.tags.join(',')}|${series.points[0]!.timestamp}`
}

export function metricsOutput(result: ActionResult): { account: string; metric: string; value: number; timestamp: number }[] {
  return JSON.parse(result.outputs.metrics ?? '[]') as { account: string; metric: string; value: number; timestamp: number }[]
}

export function requestsFor(x: XStandIn, batch: 'A' | 'B'): RecordedRequest[] {
  return x.requests.filter((r) => isBatchB(r) === (batch === 'B'))
}
