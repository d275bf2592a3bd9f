/** X's spec marks like_count and media_count nullable: null is "not reported", skipped without a warning. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import { readLookup } from '../../src/sources/x.js'
import { runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn, type XUser } from '../support/stand-ins.js'

const [jack] = parseAccounts('jack')

function lookup(publicMetrics: Record<string, unknown>): ReturnType<typeof readLookup> {
  return readLookup({ data: [{ id: '1', username: 'jack', public_metrics: publicMetrics }] }, [jack!], 1_700_000_000)
}

const REQUIRED = { followers_count: 10, following_count: 2, post_count: 30, listed_count: 4 }

describe('readLookup and nullable counts', () => {
  test('null like_count and media_count are skipped silently; the other metrics are kept', () => {
    const result = lookup({ ...REQUIRED, like_count: null, media_count: null })
    expect(result.warnings).toEqual([])
    expect(result.failures).toEqual([])
    expect(result.samples[0]!.metrics).toEqual({ followers_count: 10, friends_count: 2, status_count: 30, listed_count: 4 })
  })

  test('a value that is present is still read', () => {
    const result = lookup({ ...REQUIRED, like_count: 7, media_count: null })
    expect(result.warnings).toEqual([])
    expect(result.samples[0]!.metrics).toMatchObject({ favourites_count: 7 })
    expect(result.samples[0]!.metrics).not.toHaveProperty('media_count')
  })

  test.each([
    ['like_count', -1],
    ['like_count', '12'],
    ['media_count', 1.5],
    ['media_count', {}]
  ])('a genuinely invalid %s (%p) still warns', (field, value) => {
    const result = lookup({ ...REQUIRED, [field]: value })
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain(`X returned an invalid ${field} for jack`)
  })

  test('null where the spec requires a count (followers_count) still warns', () => {
    const result = lookup({ ...REQUIRED, followers_count: null })
    expect(result.warnings).toEqual([expect.stringContaining('X returned an invalid followers_count for jack (null)')])
    expect(result.samples[0]!.metrics).not.toHaveProperty('followers_count')
  })
})

describe('through the action', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  beforeEach(async () => {
    x = await startXStandIn({ jack: { ...metricsFor(1), like_count: null, media_count: null } as unknown as XUser, nasa: metricsFor(2) })
    dd = await startDatadogStandIn()
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
  })

  test('a user whose like and media counts are null gives no warning and four series', async () => {
    const result = await runActionInProcess({
      accounts: 'jack, nasa',
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-site': dd.url,
      'x-api-url': x.url
    })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('::warning')
    const jackSeries = dd.series.filter((s) => s.tags.includes('account:jack')).map((s) => s.metric)
    expect(jackSeries.sort()).toEqual(['twitter.followers_count', 'twitter.friends_count', 'twitter.listed_count', 'twitter.status_count'])
    expect(dd.series.filter((s) => s.tags.includes('account:nasa'))).toHaveLength(6)
  })
})
