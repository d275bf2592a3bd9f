/** datadog-monitors in the action, the command line and the Lambda (their sources, in-process), against the stand-ins. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { realHttpDeps } from '../../src/http/send.js'
import { runLambda } from '../../src/lambda/handler.js'
import { ALL_PERMISSIONS, DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn, type Permission } from '../support/datadog-api-stand-in.js'
import { runActionInProcess as runAction } from '../support/run-action.js'
import { runCliInProcess } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, metricsFor, startXStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogApiStandIn

async function startDatadog(permissions?: Permission[]): Promise<void> {
  await dd?.close()
  dd = await startDatadogApiStandIn({ permissions })
}

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  await startDatadog()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    accounts: 'jack, nasa',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url,
    'datadog-app-key': DD_APP_KEY,
    'datadog-monitors': 'true',
    ...extra
  }
}

const monitorWrites = () => dd.requests.filter((r) => r.method !== 'GET' && r.url.startsWith('/api/v1/monitor'))
/** What was printed, without the runner's add-mask commands (which carry the secrets by design). */
const printed = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')

describe('the action with datadog-monitors', () => {
  test('the first run creates the four and says so with their addresses; a second run changes nothing', async () => {
    const first = await runAction(inputs({ 'datadog-monitor-notify': '@slack-social @ops@example.com' }))
    expect(first.code).toBe(0)
    expect(dd.monitors.size).toBe(4)
    for (const [id, monitor] of dd.monitors) {
      const name = monitor.tags.find((t) => t.startsWith('twitter-stats-monitor:'))!.split(':')[1]
      expect(first.stdout).toContain(`Monitor ${name} ${id} created: /monitors/${id}`)
      expect(monitor.message!.endsWith('@slack-social @ops@example.com')).toBe(true)
    }
    // Series first, then the v1 calls.
    expect(dd.requests[0]!.url).toBe('/api/v2/series')

    dd.requests.length = 0
    const second = await runAction(inputs({ 'datadog-monitor-notify': '@slack-social @ops@example.com' }))
    expect(second.code).toBe(0)
    expect(monitorWrites()).toEqual([])
    expect(second.stdout.match(/Monitor [a-z-]+ \d+ unchanged/g)).toHaveLength(4)
  })

  test('a 403 on the monitors leaves the series delivered and fails the step naming monitors_write; no key is printed', async () => {
    await startDatadog(ALL_PERMISSIONS.filter((p) => p !== 'monitors_write'))
    const result = await runAction(inputs())
    expect(result.code).toBe(1)
    expect(dd.series.filter((s) => s.metric === 'twitter.followers_count')).toHaveLength(2)
    expect(result.outputs['undelivered-file']).toBeUndefined()
    expect(result.stdout).toMatch(/::error title=[^:]*::Datadog refused to create a monitor \(403 Forbidden\).*`monitors_write`/)
    expect(result.stdout).toContain('The metrics themselves were delivered.')
    expect(result.summary).toContain('twitter-stats failed: the Datadog metric metadata, dashboard or monitors were not set up')
    expect(dd.monitors.size).toBe(0)
    for (const text of [printed(result.stdout), result.stderr, result.summary, JSON.stringify(result.outputs)]) {
      expect(text).not.toContain(DD_APP_KEY)
      expect(text).not.toContain(DD_KEY)
    }
  })

  test.each([
    ['followers-lost-alert-percent', '0', '`followers-lost-alert-percent` is "0"; use a percent above 0 and below 100'],
    ['followers-lost-alert-percent', '100', '`followers-lost-alert-percent` is "100"; use a percent above 0 and below 100'],
    ['followers-gained-alert-percent', '-5', '`followers-gained-alert-percent` is "-5"; use a percent above 0 and at most 1000'],
    ['followers-gained-alert-percent', '1001', '`followers-gained-alert-percent` is "1001"'],
    ['followers-gained-alert-percent', 'Infinity', '`followers-gained-alert-percent` is "Infinity"'],
    ['followers-gained-alert-percent', '1e3', '`followers-gained-alert-percent` is "1e3"'],
    ['datadog-monitor-notify', '@slack-social ops@example.com', '`datadog-monitor-notify` has "ops@example.com", which does not start with @'],
    ['datadog-monitor-notify', '@slack\u0007bell', '`datadog-monitor-notify` has "@slack\\u0007bell", which has a control or invisible character'],
    ['datadog-monitors', 'maybe', '`datadog-monitors` is "maybe"; use true or false.']
  ])('%s: %j is refused before any request, naming the setting and the value', async (input, value, message) => {
    const result = await runAction(inputs({ [input]: value }))
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(message)
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  test('datadog-monitors without an application key is refused before any request; a bad threshold is refused even with the monitors off', async () => {
    const noKey = await runAction(inputs({ 'datadog-app-key': '' }))
    expect(noKey.code).toBe(1)
    expect(noKey.stdout).toContain('datadog-monitors is true but datadog-app-key (DATADOG_APP_KEY) is missing')
    const off = await runAction(inputs({ 'datadog-monitors': 'false', 'followers-lost-alert-percent': 'ten' }))
    expect(off.code).toBe(1)
    expect(off.stdout).toContain('`followers-lost-alert-percent` is "ten"')
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })
})

describe('the command line and the Lambda', () => {
  test('the command line takes the flags, reports each monitor on stderr, and a changed threshold updates exactly two', async () => {
    const env = { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, DATADOG_APP_KEY: DD_APP_KEY }
    const args = ['--datadog-site', dd.url, '--x-api-url', x.url, '--datadog-monitors', 'jack', 'nasa']
    const first = await runCliInProcess(args, env, realHttpDeps)
    expect(first.code).toBe(0)
    expect(first.stderr.match(/Monitor [a-z-]+ \d+ created: \/monitors\/\d+/g)).toHaveLength(4)
    dd.requests.length = 0
    const second = await runCliInProcess([...args, '--followers-gained-alert-percent', '50', '--followers-lost-alert-percent', '20'], env, realHttpDeps)
    expect(second.code).toBe(0)
    expect(monitorWrites().map((r) => r.method)).toEqual(['PUT', 'PUT'])
    expect(second.stderr).toMatch(/Monitor followers-gained \d+ updated/)
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}`).not.toContain(DD_APP_KEY)
  })

  test('the Lambda logs each monitor as a JSON event, and its settings come from the environment', async () => {
    const lines: string[] = []
    await runLambda({
      env: {
        ACCOUNTS: 'jack;nasa',
        SECRET_ID: 'twitter-stats-monitors-test',
        X_API_URL: x.url,
        DATADOG_SITE: dd.url,
        DATADOG_MONITORS: 'true',
        FOLLOWERS_LOST_ALERT_PERCENT: 'off',
        DATADOG_MONITOR_NOTIFY: '@ops@example.com'
      },
      http: realHttpDeps,
      fetchSecret: async () => JSON.stringify({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, DATADOG_APP_KEY: DD_APP_KEY }),
      write: (line) => lines.push(line)
    })
    const events = lines.map((line) => JSON.parse(line) as { message?: string; monitor?: string; id?: number; action?: string })
    const monitors = events.filter((e) => e.monitor !== undefined)
    expect(monitors.map((e) => [e.monitor, e.action])).toEqual([
      ['collection-stopped', 'created'],
      ['account-failing', 'created'],
      ['followers-gained', 'created']
    ])
    expect(monitors.every((e) => dd.monitors.get(e.id!)!.message!.endsWith('@ops@example.com'))).toBe(true)
    expect(lines.join('\n')).not.toContain(DD_APP_KEY)
  })
})
