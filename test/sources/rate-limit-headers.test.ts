/** Rate-limit headers that are not numbers (issue 23, class 6): only plain decimal digits count; anything else is absent. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { datadogResetAt } from '../../src/datadog/series.js'
import { headerInteger } from '../../src/http/retry.js'
import { epochSecondsHeader } from '../../src/sources/shared.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const BAD: [string, string][] = [
  ['empty', ''],
  ['blank', '   '],
  ['negative', '-5'],
  ['fractional', '2.5'],
  ['hexadecimal', '0x10'],
  ['an exponent', '1e3'],
  ['astronomically large', '9'.repeat(400)],
  ['just over the safe integers', '9007199254740992'],
  ['Infinity', 'Infinity'],
  ['a sign', '+7'],
  ['digits after a letter', 'a12'],
  ['two values', '5, 6']
]

const NOW = 1_700_000_000_000
const withHeader = (name: string, value: string) => ({ status: 429, headers: new Headers({ [name]: value }), body: '' })

describe('one reader of counts and seconds in headers', () => {
  test.each([
    ['0', 0],
    ['17', 17],
    [' 42 ', 42],
    ['9007199254740991', 9007199254740991]
  ])('%j reads as %d', (text, number) => {
    expect(headerInteger(text)).toBe(number)
  })

  test.each(BAD)('%s reads as absent', (_name, text) => {
    expect(headerInteger(text)).toBeUndefined()
    expect(epochSecondsHeader('x-rate-limit-reset')(withHeader('x-rate-limit-reset', text), NOW)).toBeUndefined()
    expect(datadogResetAt(withHeader('x-ratelimit-reset', text), NOW)).toBeUndefined()
  })

  test('a reset written plainly is read', () => {
    expect(epochSecondsHeader('x-rate-limit-reset')(withHeader('x-rate-limit-reset', String(NOW / 1000 + 60)), NOW)).toBe(NOW + 60_000)
    expect(datadogResetAt(withHeader('x-ratelimit-reset', '30'), NOW)).toBe(NOW + 30_000)
  })
})

describe("X's x-rate-limit-remaining in a run", () => {
  let x: XStandIn
  let dd: DatadogStandIn
  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    dd = await startDatadogStandIn()
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
  })

  const run = () => runCli(['--json', 'jack'], { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url })
  const remainingSeries = () => dd.series.filter((s) => s.metric.endsWith('collector.rate_limit_remaining'))

  test.each(BAD)('%s: no rate_limit_remaining series, no rateLimitRemaining in --json, the run goes on', async (_name, text) => {
    x.override = (_request, _index, normal) => {
      const answer = normal()
      return { ...answer, headers: { ...answer.headers, 'x-rate-limit-remaining': text } }
    }
    const result = await run()
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as Record<string, unknown>
    expect(report).not.toHaveProperty('rateLimitRemaining')
    expect(remainingSeries()).toHaveLength(0)
  })

  test('a plain count is reported as before', async () => {
    const result = await run()
    const report = JSON.parse(result.stdout) as { rateLimitRemaining: number }
    expect(report.rateLimitRemaining).toBe(x.remaining)
    expect(remainingSeries()).toHaveLength(1)
  })
})
