/** A 2xx that is not an acceptance (issue 23, class 4): only a 2xx whose `errors` is an empty array delivers. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readSeriesAnswer } from '../../src/datadog/series.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const NOT_ACCEPTANCES: [string, number, string][] = [
  ['errors a string', 202, '{"errors":"Payload too large"}'],
  ['errors an object', 202, '{"errors":{"message":"bad"}}'],
  ['errors missing', 202, '{}'],
  ['errors null', 202, '{"errors":null}'],
  ['a body that is not JSON', 200, 'OK'],
  ['an empty body', 204, ''],
  ['a JSON array', 202, '[]'],
  ['a 200 that says status: error', 200, '{"status":"error","errors":[]}'],
  ['a 200 that says status: error with no errors field', 200, '{"status":"error"}']
]

describe("reading Datadog's answer", () => {
  const answer = (status: number, body: string) => readSeriesAnswer({ status, headers: new Headers(), body }, 10).kind

  test('202 {"errors": []}, the spec\'s IntakePayloadAccepted, is an acceptance (also with status: ok)', () => {
    expect(answer(202, '{"errors":[]}')).toBe('accepted')
    expect(answer(200, '{"status":"ok","errors":[]}')).toBe('accepted')
  })

  test.each(NOT_ACCEPTANCES)('%s is not an acceptance', (_name, status, body) => {
    expect(answer(status, body)).not.toBe('accepted')
  })
})

describe('a run whose Datadog answers 2xx without accepting', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  let dir: string
  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    dd = await startDatadogStandIn()
    dir = mkdtempSync(join(tmpdir(), 'twitter-stats-acceptance-'))
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test.each(NOT_ACCEPTANCES)('%s: the series are undelivered, counted, saved, and the run fails', async (_name, status, body) => {
    dd.override = () => ({ status, body })
    const env = { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url, TMPDIR: dir }
    const result = await runCli(['--json', 'jack'], env)
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as { ok: boolean; undeliveredFile: string; delivery: { sent: number; undelivered: number } }
    expect(report.ok).toBe(false)
    expect(report.delivery.sent).toBe(0)
    expect(report.delivery.undelivered).toBeGreaterThanOrEqual(6)
    const saved = JSON.parse(readFileSync(report.undeliveredFile, 'utf8')) as { series: { tags: string[] }[] }
    expect(saved.series).toHaveLength(report.delivery.undelivered)
    expect(saved.series.filter((s) => s.tags.includes('account:jack'))).toHaveLength(6)
  })
})
