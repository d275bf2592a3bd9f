/** The four monitors kept in Datadog (datadog-monitors), through the shared transport against the local stand-in. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { monitorDefinitions, prefixTagValue, type MonitorSettings } from '../../src/datadog/monitor-definitions.js'
import { monitorMatches, syncMonitors } from '../../src/datadog/monitors.js'
import { provisionDatadog } from '../../src/datadog/provision.js'
import { appLink } from '../../src/datadog/site.js'
import { createDatadogApi, type DatadogApi } from '../../src/datadog/v1-api.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { recordingLogger } from '../support/recording-logger.js'
import { ALL_PERMISSIONS, DD_APP_KEY, startDatadogApiStandIn, type DatadogApiStandIn, type Permission } from '../support/datadog-api-stand-in.js'
import { DD_KEY } from '../support/stand-ins.js'

let dd: DatadogApiStandIn
const deps = { ...realHttpDeps, sleep: async () => {} }
const defaults: MonitorSettings = { followersLostPercent: 10, followersGainedPercent: 10, notify: [] }

function api(): DatadogApi {
  return createDatadogApi({ apiKey: DD_KEY, appKey: DD_APP_KEY, baseUrl: dd.url, site: 'datadoghq.eu', policy: { ...DEFAULT_POLICY, timeoutMs: 2000 }, deps })
}

beforeEach(async () => {
  dd = await startDatadogApiStandIn()
})
afterEach(async () => {
  await dd.close()
})

const writes = () => dd.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`)
const byTag = (tag: string) => [...dd.monitors.values()].filter((m) => m.tags.includes(tag))

describe('syncMonitors', () => {
  test('the first run creates the four, tagged; a second run with the same settings reads and changes nothing', async () => {
    const first = await syncMonitors(api(), 'twitter', defaults)
    expect(first.monitors.map((m) => [m.name, m.action])).toEqual([
      ['collection-stopped', 'created'],
      ['account-failing', 'created'],
      ['followers-lost', 'created'],
      ['followers-gained', 'created']
    ])
    expect(dd.monitors.size).toBe(4)
    for (const m of first.monitors) {
      expect(dd.monitors.get(m.id)!.tags).toEqual(['app:twitter-stats', 'twitter-stats-prefix:twitter', `twitter-stats-monitor:${m.name}`])
    }
    expect(dd.monitors.get(first.monitors[2]!.id)!.query).toBe('pct_change(avg(last_1h),1d_ago):avg:twitter.followers_count{*} by {account,network} < -10')

    dd.requests.length = 0
    const second = await syncMonitors(api(), 'twitter', defaults)
    expect(second.monitors.map((m) => m.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged'])
    expect(second.monitors.map((m) => m.id)).toEqual(first.monitors.map((m) => m.id))
    expect(writes()).toEqual([])
    // One listing, filtered by the prefix's tag, paged as the spec says.
    expect(dd.requests.map((r) => r.url)).toEqual(['/api/v1/monitor?monitor_tags=twitter-stats-prefix%3Atwitter&page=0&page_size=100'])
  })

  test('a changed threshold updates exactly the two follower monitors, in place', async () => {
    const first = await syncMonitors(api(), 'twitter', defaults)
    dd.requests.length = 0
    const second = await syncMonitors(api(), 'twitter', { ...defaults, followersLostPercent: 5, followersGainedPercent: 25 })
    expect(second.monitors.map((m) => [m.name, m.action])).toEqual([
      ['collection-stopped', 'unchanged'],
      ['account-failing', 'unchanged'],
      ['followers-lost', 'updated'],
      ['followers-gained', 'updated']
    ])
    const [lost, gained] = [first.monitors[2]!.id, first.monitors[3]!.id]
    expect(writes().sort()).toEqual([`PUT /api/v1/monitor/${lost}`, `PUT /api/v1/monitor/${gained}`].sort())
    expect(dd.monitors.get(lost)!.query).toMatch(/ < -5$/)
    expect(dd.monitors.get(lost)!.options.thresholds).toEqual({ critical: -5 })
    expect(dd.monitors.get(gained)!.query).toMatch(/ > 25$/)
    expect(dd.monitors.size).toBe(4)
  })

  test('an edit made in Datadog is replaced by the next run, and tags in another order are the same tags', async () => {
    const first = await syncMonitors(api(), 'twitter', defaults)
    const stopped = dd.monitors.get(first.monitors[0]!.id)!
    stopped.tags = [...stopped.tags].reverse()
    expect((await syncMonitors(api(), 'twitter', defaults)).monitors[0]!.action).toBe('unchanged')
    stopped.message = 'edited by hand'
    const again = await syncMonitors(api(), 'twitter', defaults)
    expect(again.monitors[0]).toMatchObject({ action: 'updated', id: stopped.id })
    expect(dd.monitors.get(stopped.id)!.message).toContain('twitter-stats has collected no account')
  })

  test('a different metric prefix gets its own four, and each set is left alone by the other', async () => {
    await syncMonitors(api(), 'twitter', defaults)
    const other = await syncMonitors(api(), 'social.stats', defaults)
    expect(other.monitors.map((m) => m.action)).toEqual(['created', 'created', 'created', 'created'])
    expect(dd.monitors.size).toBe(8)
    expect(byTag('twitter-stats-prefix:social.stats')).toHaveLength(4)
    expect(byTag('twitter-stats-prefix:social.stats').every((m) => m.query.includes('social.stats.'))).toBe(true)
    // Datadog lowercases tags: an upper-case prefix keeps a marker of its own.
    const upper = await syncMonitors(api(), 'Social.stats', defaults)
    expect(upper.monitors.map((m) => m.action)).toEqual(['created', 'created', 'created', 'created'])
    expect(prefixTagValue('Social.stats')).toBe('-social.stats')
    dd.requests.length = 0
    for (const prefix of ['twitter', 'social.stats', 'Social.stats']) {
      expect((await syncMonitors(api(), prefix, defaults)).monitors.every((m) => m.action === 'unchanged')).toBe(true)
    }
    expect(writes()).toEqual([])
  })

  test('the notification handles end every message, after the note that edits are replaced', async () => {
    const notify = ['@slack-social', '@ops@example.com']
    await syncMonitors(api(), 'twitter', { ...defaults, notify })
    for (const monitor of dd.monitors.values()) {
      expect(monitor.message).toMatch(/edits made here are replaced on its next run/)
      expect(monitor.message!.endsWith('\n\n@slack-social @ops@example.com')).toBe(true)
    }
    dd.requests.length = 0
    await syncMonitors(api(), 'twitter', { ...defaults, notify: ['@pagerduty-social'] })
    expect(writes()).toHaveLength(4)
    expect([...dd.monitors.values()].every((m) => m.message!.endsWith('\n\n@pagerduty-social'))).toBe(true)
  })

  test('a follower threshold that is off makes no such monitor, and one left from an earlier run is named, never deleted', async () => {
    const off = await syncMonitors(api(), 'twitter', { ...defaults, followersGainedPercent: undefined })
    expect(off.monitors.map((m) => m.name)).toEqual(['collection-stopped', 'account-failing', 'followers-lost'])
    expect(byTag('twitter-stats-monitor:followers-gained')).toHaveLength(0)
    const all = await syncMonitors(api(), 'twitter', defaults)
    const gained = all.monitors[3]!
    const logger = recordingLogger()
    await provisionDatadog(
      api(),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: false, monitors: { ...defaults, followersGainedPercent: undefined }, concurrency: 1 },
      logger
    )
    expect(dd.monitors.has(gained.id)).toBe(true)
    expect(logger.lines).toContain(
      `warning followers-gained-alert-percent is off, but the monitor ${gained.id} (twitter-stats-monitor:followers-gained) from an earlier run still exists and is no longer updated: delete it in Datadog if you no longer want its alerts.`
    )
    expect(dd.requests.filter((r) => r.method === 'DELETE')).toEqual([])
  })

  test('a clone carrying the same tags is named and left alone; the oldest is the one kept', async () => {
    const first = await syncMonitors(api(), 'twitter', defaults)
    const lost = dd.monitors.get(first.monitors[2]!.id)!
    const cloneId = lost.id + 1000
    dd.monitors.set(cloneId, { ...lost, id: cloneId, name: 'my copy' })
    const logger = recordingLogger()
    await provisionDatadog(api(), { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: false, monitors: defaults, concurrency: 1 }, logger)
    expect(dd.monitors.get(cloneId)!.name).toBe('my copy')
    expect(logger.lines.filter((l) => l.startsWith('warning'))).toEqual([
      `warning Other monitors also carry the tag twitter-stats-monitor:followers-lost for the metric prefix twitter: ${cloneId}. Only ${lost.id} is kept up to date; delete the others, or remove that tag from them (a monitor cloned in Datadog keeps it).`
    ])
  })

  test('finds its monitors beyond the first page of the listing', async () => {
    for (let i = 0; i < 150; i++) {
      dd.monitors.set(i + 1, { id: i + 1, type: 'metric alert', query: 'avg(last_5m):avg:x{*} > 1', tags: ['twitter-stats-prefix:twitter'], options: {} })
    }
    await syncMonitors(api(), 'twitter', defaults)
    dd.requests.length = 0
    expect((await syncMonitors(api(), 'twitter', defaults)).monitors.every((m) => m.action === 'unchanged')).toBe(true)
    expect(dd.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('page'))).toEqual(['0', '1'])
  })

  test('the log says what became of each monitor, with its address in the app of the site', async () => {
    const logger = recordingLogger()
    await provisionDatadog(api(), { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: false, monitors: defaults, concurrency: 1 }, logger)
    const ids = [...dd.monitors.keys()]
    expect(logger.lines.filter((l) => l.startsWith('info Monitor '))).toEqual([
      `info Monitor collection-stopped ${ids[0]} created: https://app.datadoghq.eu/monitors/${ids[0]}`,
      `info Monitor account-failing ${ids[1]} created: https://app.datadoghq.eu/monitors/${ids[1]}`,
      `info Monitor followers-lost ${ids[2]} created: https://app.datadoghq.eu/monitors/${ids[2]}`,
      `info Monitor followers-gained ${ids[3]} created: https://app.datadoghq.eu/monitors/${ids[3]}`
    ])
    expect(appLink('us5.datadoghq.com', '/monitors/7')).toBe('https://us5.datadoghq.com/monitors/7')
  })
})

describe('refusals', () => {
  async function restart(permissions: Permission[]): Promise<void> {
    await dd.close()
    dd = await startDatadogApiStandIn({ permissions })
  }

  test('without monitors_write: a problem naming it, and the metadata still set', async () => {
    await restart(ALL_PERMISSIONS.filter((p) => p !== 'monitors_write'))
    const problems = await provisionDatadog(
      api(),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: true, monitors: defaults, concurrency: 1 },
      recordingLogger()
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('Datadog refused to create a monitor (403 Forbidden)')
    expect(problems[0]).toContain('`monitors_write`')
    expect(problems[0]).toContain('The metrics themselves were delivered.')
    expect(dd.dashboards.size).toBe(1)
    expect(problems.join('\n')).not.toContain(DD_APP_KEY)
    expect(problems.join('\n')).not.toContain(DD_KEY)
  })

  test('without monitors_read: the listing is refused naming it, and nothing is created blind', async () => {
    await restart(ALL_PERMISSIONS.filter((p) => p !== 'monitors_read'))
    const problems = await provisionDatadog(
      api(),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: false, monitors: defaults, concurrency: 1 },
      recordingLogger()
    )
    expect(problems[0]).toContain('Datadog refused to list monitors (403 Forbidden)')
    expect(problems[0]).toContain('`monitors_read`')
    expect(dd.monitors.size).toBe(0)
    expect(writes()).toEqual([])
  })

  test('a created monitor answered without an id is a refusal the run reports, not a crash; the others are still set up', async () => {
    dd.override = (request) =>
      request.method === 'POST' && request.url === '/api/v1/monitor' && request.body.includes('collection stopped')
        ? { status: 200, body: '{"id":"12"}' }
        : undefined
    const outcome = await syncMonitors(api(), 'twitter', defaults)
    expect(outcome.failure?.message).toBe(
      'Datadog created the monitor collection-stopped but answered without an id (id: "12"); look for it in Datadog by the tag twitter-stats-monitor:collection-stopped.'
    )
    expect(outcome.monitors.map((m) => [m.name, m.action])).toEqual([
      ['account-failing', 'created'],
      ['followers-lost', 'created'],
      ['followers-gained', 'created']
    ])
    const logger = recordingLogger()
    dd.monitors.clear()
    const problems = await provisionDatadog(
      api(),
      { prefix: 'twitter', site: 'datadoghq.eu', metrics: [], dashboard: false, monitors: defaults, concurrency: 1 },
      logger
    )
    expect(problems).toEqual([expect.stringContaining('Datadog created the monitor collection-stopped but answered without an id')])
    expect(logger.lines.filter((l) => l.startsWith('info Monitor '))).toHaveLength(3)
  })

  test('a monitor deleted between the listing and its update is made again', async () => {
    const first = await syncMonitors(api(), 'twitter', defaults)
    const lost = first.monitors[2]!.id
    dd.override = (request) =>
      request.method === 'PUT' && request.url === `/api/v1/monitor/${lost}` ? { status: 404, body: '{"errors":["Monitor not found"]}' } : undefined
    const second = await syncMonitors(api(), 'twitter', { ...defaults, followersLostPercent: 3 })
    expect(second.failure).toBeUndefined()
    expect(second.monitors[2]).toMatchObject({ name: 'followers-lost', action: 'created' })
    expect(second.monitors[2]!.id).not.toBe(lost)
    expect(dd.monitors.get(second.monitors[2]!.id)!.query).toMatch(/ < -3$/)
  })
})

describe('what Datadog (or a proxy) answers is never trusted', () => {
  const listing = (body: string) =>
    (dd.override = (request) => (request.method === 'GET' && request.url.startsWith('/api/v1/monitor?') ? { status: 200, body } : undefined))

  test('items that are not monitors, ids that are not integers, tags that are not a list, other prefixes: none is taken for ours', async () => {
    const ours = monitorDefinitions('twitter')['collection-stopped']
    listing(
      JSON.stringify([
        null,
        7,
        'x',
        { id: '55', ...ours },
        { id: 1.5, ...ours },
        { id: 56, ...ours, tags: 'twitter-stats-prefix:twitter' },
        { id: 57, ...ours, tags: ['twitter-stats-prefix:social', 'twitter-stats-monitor:collection-stopped'] }
      ])
    )
    const outcome = await syncMonitors(api(), 'twitter', defaults)
    expect(outcome.monitors.map((m) => m.action)).toEqual(['created', 'created', 'created', 'created'])
    expect(writes().every((w) => w === 'POST /api/v1/monitor')).toBe(true)
  })

  test('a listing that is not an array creates nothing (a run would otherwise add four each time) and says so', async () => {
    listing('{"monitors":[]}')
    await expect(syncMonitors(api(), 'twitter', defaults)).rejects.toThrow(
      'Datadog answered the request to list monitors with an object with 1 field(s), not a list of monitors, so no monitor was created or changed'
    )
    expect(writes()).toEqual([])
  })
})

describe('monitorMatches', () => {
  test('ignores what Datadog adds, but sees a changed value, a missing tag or an extra one', () => {
    const desired = monitorDefinitions('twitter')['followers-lost']
    const asStored = { ...desired, id: 1, options: { ...desired.options, notify_audit: false, silenced: {} }, overall_state: 'OK' }
    expect(monitorMatches(asStored, desired)).toBe(true)
    expect(monitorMatches({ ...asStored, query: desired.query.replace('-10', '-20') }, desired)).toBe(false)
    expect(monitorMatches({ ...asStored, tags: desired.tags.slice(1) }, desired)).toBe(false)
    expect(monitorMatches({ ...asStored, tags: [...desired.tags, 'team:social'] }, desired)).toBe(false)
    expect(monitorMatches({ ...asStored, tags: 'app:twitter-stats' }, desired)).toBe(false)
  })
})
