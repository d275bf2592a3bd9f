/**
 * What a person reads after a run, through the action in-process: the job summary's first line is the
 * outcome, a failed run says what to do, and the log says each problem once.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'
import { runActionInProcess, type ActionResult } from '../support/run-action.js'
import { decodeEntities } from '../support/html.js'
import { realHttpDeps } from '../../src/http/send.js'

let x: XStandIn
let dd: DatadogStandIn

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return { accounts: 'jack, nasa', 'x-bearer-token': X_TOKEN, 'datadog-api-key': DD_KEY, 'datadog-site': dd.url, 'x-api-url': x.url, ...extra }
}

interface Annotation {
  kind: string
  title: string | undefined
  message: string
}

/** Every workflow-command annotation in the log, decoded as the runner shows it. */
function annotations(result: ActionResult): Annotation[] {
  const decode = (text: string): string => text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
  return result.stdout
    .split('\n')
    .map((line) => /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, kind, props, message]) => ({ kind: kind!, title: /title=([^,]*)/.exec(props ?? '')?.[1], message: decode(message!) }))
}

/** The summary's first line, without its HTML tags. */
function firstLine(result: ActionResult): string {
  return result.summary.split('\n')[0]!.replace(/<[^>]+>/g, '')
}

/** The items under "What to do", without their HTML tags; empty when there is no such section. */
function whatToDo(result: ActionResult): string[] {
  const section = /<h3>What to do<\/h3>\n<ul>\n([\s\S]*?)<\/ul>/.exec(result.summary)
  if (!section) return []
  return [...section[1]!.matchAll(/<li>(.*)<\/li>/g)].map((m) => decodeEntities(m[1]!))
}

/** No annotation twice, and each problem of the summary in exactly one error annotation, titled by its reason. */
function expectEachProblemOnce(result: ActionResult, problems: string[]): void {
  const all = annotations(result)
  expect(new Set(all.map((a) => `${a.kind}:${a.message}`)).size).toBe(all.length)
  for (const problem of problems) {
    expect(all.filter((a) => a.message.includes(problem))).toHaveLength(1)
  }
  expect(result.stdout).not.toMatch(/\b(from|on) (x|bluesky|mastodon)\b/)
}

describe('the job summary and the log of every outcome', () => {
  test('success: the first line says so, there is nothing to do, and no error annotation', async () => {
    const result = await runActionInProcess(inputs())
    expect(result.code).toBe(0)
    expect(firstLine(result)).toBe('twitter-stats succeeded')
    expect(result.summary.split('\n')[1]).toMatch(/^<p>2 of 2 account\(s\) collected, 0 failed, \d+ series sent in 1 request\(s\)\.<\/p>$/)
    expect(whatToDo(result)).toEqual([])
    expect(annotations(result)).toEqual([])
    expect(result.summary).toContain('<tr><td>nasa</td><td>X</td><td>1002</td>')
    // What the run costs, as in the log.
    expect(result.summary).toMatch(/<p>Footprint: 2 X user\(s\) read: \$0\.02 a UTC day/)
  })

  test('an invalid configuration: a summary all the same, naming the setting to change, and one error', async () => {
    const result = await runActionInProcess(inputs({ accounts: 'jack, not-a-user!' }))
    expect(result.code).toBe(1)
    expect(firstLine(result)).toBe('twitter-stats failed: the configuration is invalid')
    const todo = whatToDo(result)
    expect(todo).toHaveLength(1)
    expect(todo[0]).toMatch(/^this entry in `accounts` is not a valid account: "not-a-user!"\./)
    const errors = annotations(result).filter((a) => a.kind === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toContain(todo[0])
    expect(x.requests).toHaveLength(0)
  })

  test('X refuses the token: one error with what to do, X named as people write it, the step failing with the reason', async () => {
    const result = await runActionInProcess(inputs({ 'x-bearer-token': 'wrong-token-abc' }))
    expect(result.code).toBe(1)
    expect(firstLine(result)).toBe('twitter-stats failed: X refused the credentials')
    const todo = whatToDo(result)
    expect(todo).toHaveLength(1)
    expect(todo[0]).toMatch(/^X rejected the credentials \(401 Unauthorized\)\..*Check that x-bearer-token .* Nothing from X was sent to Datadog\.$/)
    expectEachProblemOnce(result, todo)
    const errors = annotations(result).filter((a) => a.kind === 'error')
    expect(errors.map((a) => a.title)).toEqual(['X refused the credentials', undefined])
    // The step's failure message lists the problems; it does not repeat the annotation.
    expect(errors[1]!.message).toBe('twitter-stats failed: X refused the credentials')
    expect(result.summary + result.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('wrong-token-abc')
  })

  test('an X account not found: the run succeeds, one warning names it, and the summary says to fix the list', async () => {
    const result = await runActionInProcess(inputs({ accounts: 'jack, nobody_here' }))
    expect(result.code).toBe(0)
    expect(firstLine(result)).toBe('twitter-stats succeeded')
    expect(whatToDo(result)).toEqual([
      '1 account(s) were not found or are suspended; correct them or remove them from the account list: nobody_here (X, not found).'
    ])
    const all = annotations(result)
    expect(all).toEqual([{ kind: 'warning', title: 'X account nobody_here', message: 'X account nobody_here was not found (deleted, renamed or mistyped).' }])
    expect(result.summary).toContain('<tr><td>nobody_here</td><td>X</td><td></td><td></td><td></td><td></td><td>not found</td></tr>')
  })

  test('Datadog refuses the key: one error with the fix, and a re-send command naming this run’s Datadog URL', async () => {
    const result = await runActionInProcess(inputs({ 'datadog-api-key': 'a-key-datadog-refuses' }))
    expect(result.code).toBe(1)
    expect(firstLine(result)).toBe('twitter-stats failed: Datadog did not accept the series')
    const todo = whatToDo(result)
    expect(todo).toHaveLength(2)
    expect(todo[0]).toMatch(/^Datadog refused the API key \(403\): .*Check datadog-api-key/)
    expect(todo[1]).toContain(`curl -X POST "${dd.url}/api/v2/series"`)
    expect(todo[1]).toContain(`--data @${result.outputs['undelivered-file']}`)
    expect(todo.join('\n')).not.toContain('<site>')
    expectEachProblemOnce(result, todo)
    const all = annotations(result)
    expect(all.filter((a) => a.kind === 'error').map((a) => a.message)).toEqual([todo[0], 'twitter-stats failed: Datadog did not accept the series'])
    expect(all.filter((a) => a.kind === 'notice').map((a) => a.message)).toEqual([todo[1]])
    const log = result.stdout.replace(/^::add-mask::.*$/gm, '')
    expect(log + result.summary).not.toContain('a-key-datadog-refuses')
  })

  test('a rate limit that resets after the allowed wait: the summary says which and what to change (fake clock)', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z')
    x.override = () => ({
      status: 429,
      headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(now / 1000 + 3600) },
      body: JSON.stringify({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 })
    })
    const slept: number[] = []
    const result = await runActionInProcess(
      inputs({ 'rate-limit-max-wait': '60' }),
      {},
      { ...realHttpDeps, now: () => now, sleep: async (ms) => void slept.push(ms) }
    )
    expect(result.code).toBe(1)
    expect(slept.filter((ms) => ms >= 60_000)).toEqual([])
    expect(firstLine(result)).toBe('twitter-stats failed: the X rate limit outlasted the allowed wait')
    const todo = whatToDo(result)
    expect(todo).toEqual([
      'The X rate limit outlasted the allowed wait for 2 account(s): X rate limit is exhausted and resets at 2026-03-01T13:00:00.000Z (in 3600 s), later than the allowed wait of 60 s. 2 account(s) were not collected; raise rate-limit-max-wait or run less often.'
    ])
    expectEachProblemOnce(result, todo)
    // Said once: the batch's failure is in the problem, not also a warning of its own.
    expect(annotations(result).filter((a) => a.kind === 'warning')).toEqual([])
  })
})
