/** The run's footprint (X users read and their cost, distinct series sent) is in the log and in the job summary. */
import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'
import { runActionInProcess } from '../support/run-action.js'

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

test('the footprint line is in the log and in the summary, with the X users read and the distinct series sent', async () => {
  const result = await runActionInProcess({
    accounts: 'jack, nasa',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url
  })
  expect(result.code).toBe(0)
  const line = /Footprint: 2 X user\(s\) read: \$0\.02 a UTC day[^\n]*; (\d+) distinct series sent/.exec(result.stdout)
  expect(line).not.toBeNull()
  expect(Number(line![1])).toBe(dd.series.length)
  expect(result.summary).toContain('Footprint: 2 X user(s) read: $0.02 a UTC day')
})
