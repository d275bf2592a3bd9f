/** The monitors' settings: thresholds in percent or off, and notification handles, each checked before any request. */
import { describe, expect, test } from '@jest/globals'
import { parseConfig } from '../../src/config/parse.js'
import { MAX_HANDLES, parseAlertPercent, parseNotifyHandles } from '../../src/config/monitor-settings.js'
import { ConfigError } from '../../src/text/errors.js'

function problemsOf(parse: () => unknown): string[] {
  try {
    parse()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

const base = { accounts: 'alice.bsky.social', datadogApiKey: 'k', datadogAppKey: 'a' }

describe('the follower thresholds', () => {
  test('a percent, with or without %, decimals allowed; off makes no such monitor; the default is 10', () => {
    expect(parseAlertPercent('5', 'p', '10', 'lost')).toBe(5)
    expect(parseAlertPercent('2.5%', 'p', '10', 'lost')).toBe(2.5)
    expect(parseAlertPercent('99.9', 'p', '10', 'lost')).toBe(99.9)
    expect(parseAlertPercent('1000', 'p', '10', 'gained')).toBe(1000)
    expect(parseAlertPercent('OFF', 'p', '10', 'gained')).toBeUndefined()
    expect(parseConfig({ ...base, datadogMonitors: 'true' }).datadogApp.monitors).toEqual({ followersLostPercent: 10, followersGainedPercent: 10, notify: [] })
  })

  test('0, negative, not finite, in exponent form, a loss of 100 % or more, a gain over 1000 %: refused with the value and the range', () => {
    for (const [value, direction] of [
      ['0', 'lost'],
      ['0.0', 'gained'],
      ['-1', 'gained'],
      ['NaN', 'gained'],
      ['Infinity', 'gained'],
      ['1e2', 'gained'],
      ['100', 'lost'],
      ['1000.5', 'gained'],
      ['', 'lost'],
      ['%', 'lost'],
      ['10 %', 'lost']
    ] as const) {
      expect([value, problemsOf(() => parseAlertPercent(value, 'the-setting', '10', direction))[0]]).toEqual([
        value,
        expect.stringMatching(
          new RegExp(`^\`the-setting\` is ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}; use a percent above 0 and (below 100|at most 1000)`)
        )
      ])
    }
  })

  test('every bad monitor setting is reported at once, with the monitors on or off', () => {
    const problems = problemsOf(() =>
      parseConfig({ ...base, followersLostAlertPercent: '0', followersGainedAlertPercent: 'lots', datadogMonitorNotify: 'ops@example.com' })
    )
    expect(problems).toEqual([
      expect.stringContaining('`followers-lost-alert-percent` is "0"'),
      expect.stringContaining('`followers-gained-alert-percent` is "lots"'),
      expect.stringContaining('`datadog-monitor-notify` has "ops@example.com"')
    ])
    expect(parseConfig(base).datadogApp.monitors).toBeUndefined()
  })
})

describe('the notification handles', () => {
  test('separated by any whitespace (newlines from a YAML block too), each once, in order', () => {
    expect(parseNotifyHandles('@slack-social\n  @ops@example.com @slack-social\t@pagerduty-Social', 'n')).toEqual([
      '@slack-social',
      '@ops@example.com',
      '@pagerduty-Social'
    ])
    expect(parseNotifyHandles(undefined, 'n')).toEqual([])
  })

  test('a token without @, a lone @, a control or invisible character, an over-long handle, too many handles: refused, the value quoted safely', () => {
    expect(problemsOf(() => parseNotifyHandles('slack-social', 'n'))).toEqual([
      '`n` has "slack-social", which does not start with @: give Datadog notification handles separated by spaces, for example "@slack-social @ops@example.com".'
    ])
    expect(problemsOf(() => parseNotifyHandles('@', 'n'))[0]).toContain('has "@", which does not start with @')
    expect(problemsOf(() => parseNotifyHandles('@ops\u001b[31m', 'n'))[0]).toContain('has "@ops\\u001b[31m", which has a control or invisible character')
    expect(problemsOf(() => parseNotifyHandles('@sla\u200bck', 'n'))[0]).toContain('"@sla\\u200bck", which has a control or invisible character')
    expect(problemsOf(() => parseNotifyHandles('@sl\u202eack', 'n'))[0]).toContain('which has a control or invisible character')
    expect(problemsOf(() => parseNotifyHandles(`@${'a'.repeat(200)}`, 'n'))[0]).toContain('which is over 200 characters')
    const many = Array.from({ length: MAX_HANDLES + 1 }, (_, i) => `@team-${i}`).join(' ')
    expect(problemsOf(() => parseNotifyHandles(many, 'n'))).toEqual([
      `\`n\` lists ${MAX_HANDLES + 1} handles; at most ${MAX_HANDLES} go on a monitor. Notify a team or a channel instead.`
    ])
  })
})
