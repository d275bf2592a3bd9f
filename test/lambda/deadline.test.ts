/**
 * The Lambda's run deadline, derived from the time the function has left: a Datadog host that accepts and never
 * answers cannot hold the run past the function's timeout, and what was not delivered is logged to be re-sent. Its
 * own file: it waits out a real deadline of a few seconds, which other files use meanwhile.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import { runLambda } from '../../src/lambda/handler.js'
import { neverAnswers } from '../support/hostile-answers.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

/** The real network and clock; backoffs are not waited (the deadline is what this test is about). */
const http: HttpDeps = { ...realHttpDeps, sleep: async () => {} }

let x: XStandIn
let dd: DatadogStandIn
beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await Promise.all([x.close(), dd.close()])
})

test('a Datadog host that accepts and never answers: the run ends well before the function times out, having logged the re-sendable body', async () => {
  dd.override = () => neverAnswers()
  const lines: string[] = []
  const started = Date.now()
  // 22 s left: the run's deadline is 2 s (less the 20 s margin), and delivery has its floor of 5 s.
  const run = runLambda({
    env: { ACCOUNTS: 'jack;nasa', X_API_URL: x.url, DATADOG_SITE: dd.url, X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY },
    http,
    fetchSecret: async () => '{}',
    write: (line) => lines.push(line),
    remainingMs: () => 22_000
  })
  await expect(run).rejects.toThrow(/run failed/)
  expect(Date.now() - started).toBeLessThan(12_000)
  const undelivered = lines.map((line) => JSON.parse(line) as { body?: { series: unknown[] } }).filter((r) => r.body !== undefined)
  expect(undelivered).toHaveLength(1)
  // 12 account gauges (jack, nasa) and the collector's own 7.
  expect(undelivered[0]?.body?.series).toHaveLength(19)
  expect(lines.join('\n')).toContain("given up at the run's deadline (run-timeout)")
  expect(lines.join('\n')).not.toContain(DD_KEY)
})
