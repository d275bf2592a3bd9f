/**
 * The committed bundle, started as GitHub and a user start it: dist/index.js with INPUT_* variables,
 * dist/cli.js with argv. One run each, to show the bundle is whole and wired to the source; every
 * behaviour is tested on the source itself (action.test.ts, cli.test.ts and the rest). The Lambda zip
 * has its own smoke test next to the moto tests (lambda.test.ts).
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, runBuiltAction } from '../support/run-action.js'
import { runBuiltCli } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3) })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

const followersOf = (account: string): number | undefined =>
  dd.series.find((s) => s.metric === 'twitter.followers_count' && s.tags.includes(`account:${account}`))?.points[0]?.value

test('dist/index.js, run as the runner runs it, masks the secrets, collects, sends, and sets its outputs and summary', async () => {
  const result = await runBuiltAction({
    accounts: 'jack, nasa, github',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url
  })
  expect(result.code).toBe(0)
  expect(result.stdout).toContain(`::add-mask::${X_TOKEN}`)
  expect(result.stdout).toContain(`::add-mask::${DD_KEY}`)
  expect(x.requests).toHaveLength(1)
  expect(x.requests[0]!.headers.authorization).toBe(`Bearer ${X_TOKEN}`)
  expect([followersOf('jack'), followersOf('nasa'), followersOf('github')]).toEqual([1001, 1002, 1003])
  expect(result.outputs['accounts-collected']).toBe('3')
  expect(result.outputs['accounts-failed']).toBe('0')
  expect(JSON.parse(result.outputs.metrics!)).toContainEqual(expect.objectContaining({ account: 'nasa', metric: 'twitter.followers_count', value: 1002 }))
  expect(result.summary).toContain('<td>nasa</td>')
  expect(result.stderr).toBe('')
})

test('dist/cli.js, run as a user runs it, prints the table and sends the series; --version prints the package version', async () => {
  const result = await runBuiltCli(['jack', 'nasa'], { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url })
  expect(result.code).toBe(0)
  expect(result.stdout).toMatch(/^nasa\s+x\s+1002\s+102\s+5002\s+12\s+ok$/m)
  expect(result.stdout).toMatch(/^2 collected, 0 failed, \d+ series sent in 1 request\(s\)\.$/m)
  expect([followersOf('jack'), followersOf('nasa')]).toEqual([1001, 1002])
  expect(result.stdout + result.stderr).not.toContain(X_TOKEN)

  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const versionRun = await runBuiltCli(['--version'])
  expect([versionRun.code, versionRun.stdout]).toEqual([0, `${version}\n`])
})
