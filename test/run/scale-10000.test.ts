/** The documented maximum through the action: 10,000 accounts from accounts-file, within GitHub's output limits. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { METRICS_OUTPUT_LIMIT } from '../../src/action/outputs.js'
import { runActionInProcess, type ActionResult } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const COUNT = 10_000
/** GitHub keeps at most 1 MB of outputs per job. */
const GITHUB_OUTPUTS_PER_JOB = 1024 * 1024

let x: XStandIn
let dd: DatadogStandIn
let workspace: string
let result: ActionResult

beforeAll(async () => {
  const names = Array.from({ length: COUNT }, (_, i) => `user_${i}`)
  x = await startXStandIn(Object.fromEntries(names.map((name, i) => [name, metricsFor(i)])))
  dd = await startDatadogStandIn()
  workspace = mkdtempSync(join(tmpdir(), 'twitter-stats-workspace-'))
  writeFileSync(join(workspace, 'accounts.txt'), `# ${COUNT} accounts, one a line\n${names.join('\n')}\n`)
  result = await runActionInProcess(
    { 'accounts-file': 'accounts.txt', 'x-bearer-token': X_TOKEN, 'datadog-api-key': DD_KEY, 'datadog-site': dd.url, 'x-api-url': x.url },
    { GITHUB_WORKSPACE: workspace }
  )
}, 180_000)

afterAll(async () => {
  await x.close()
  await dd.close()
  rmSync(workspace, { recursive: true, force: true })
})

describe(`${COUNT} X accounts from accounts-file, through the action`, () => {
  test('succeed in 100 X requests and 60,000 account series', () => {
    expect(result.code).toBe(0)
    expect(result.outputs['accounts-collected']).toBe(String(COUNT))
    expect(x.requests).toHaveLength(100)
    expect(dd.series.filter((s) => s.tags.some((t) => t.startsWith('account:')))).toHaveLength(60_000)
  })

  test("the job summary stays under GitHub's 1 MiB, with a row for every account", () => {
    expect(Buffer.byteLength(result.summary)).toBeLessThan(1024 * 1024)
    expect(result.summary).toContain('<td>user_9999</td>')
  })

  test('every output stays under 1 MB, all of them together too', () => {
    const sizes = Object.values(result.outputs).map((value) => Buffer.byteLength(value))
    for (const size of sizes) expect(size).toBeLessThan(GITHUB_OUTPUTS_PER_JOB)
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(GITHUB_OUTPUTS_PER_JOB)
  })

  test('the metrics output is left empty with a warning, and metrics-file holds every record', () => {
    expect(result.outputs.metrics).toBe('')
    expect(result.stdout).toMatch(/::warning::The metrics output was left empty: its 60000 records take \d+ bytes, more than the 524288/)
    const records = JSON.parse(result.metricsFile!) as { account: string; metric: string; value: number }[]
    expect(records).toHaveLength(60_000)
    expect(records).toContainEqual(expect.objectContaining({ account: 'user_9999', metric: 'twitter.followers_count', value: 1000 + 9999 }))
    expect(Buffer.byteLength(result.metricsFile!)).toBeGreaterThan(METRICS_OUTPUT_LIMIT)
  })

  test('the footprint names the X users read and the series sent', () => {
    expect(result.stdout).toContain('Footprint: 10000 X user(s) read: $100.00 a UTC day')
    expect(result.stdout).toContain('60007 distinct series sent (Datadog custom metrics: 60000 for the accounts, 7 about the collector)')
  })
})
