/** `datadog-site`: a published Datadog site or a full URL; a typo is refused before any request, with the nearest site. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { datadogBaseUrl } from '../../src/config/parse.js'
import { DATADOG_SITES, knownSite } from '../../src/datadog/site.js'
import { editDistance, nearest } from '../../src/text/nearest.js'
import { appLink } from '../../src/datadog/site.js'
import { ConfigError } from '../../src/text/errors.js'
import { runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

function refusal(site: string): string {
  try {
    datadogBaseUrl(site)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error(`expected ${site} to be refused`)
}

describe('known sites', () => {
  test.each([
    ['datadoghq.com', 'https://api.datadoghq.com', 'https://app.datadoghq.com'],
    ['us3.datadoghq.com', 'https://api.us3.datadoghq.com', 'https://us3.datadoghq.com'],
    ['us5.datadoghq.com', 'https://api.us5.datadoghq.com', 'https://us5.datadoghq.com'],
    ['datadoghq.eu', 'https://api.datadoghq.eu', 'https://app.datadoghq.eu'],
    ['ap1.datadoghq.com', 'https://api.ap1.datadoghq.com', 'https://ap1.datadoghq.com'],
    ['ap2.datadoghq.com', 'https://api.ap2.datadoghq.com', 'https://ap2.datadoghq.com'],
    ['ddog-gov.com', 'https://api.ddog-gov.com', 'https://app.ddog-gov.com'],
    ['us2.ddog-gov.com', 'https://api.us2.ddog-gov.com', 'https://us2.ddog-gov.com'],
    ['APP.DatadogHQ.eu', 'https://api.datadoghq.eu', 'https://app.datadoghq.eu'],
    ['api.us5.datadoghq.com', 'https://api.us5.datadoghq.com', 'https://us5.datadoghq.com']
  ])('%s: the API at %s, links to %s (one conversion for both)', (site, api, app) => {
    expect(datadogBaseUrl(site)).toBe(api)
    expect(appLink(site, '/dashboard/abc')).toBe(`${app}/dashboard/abc`)
  })

  test('a full URL is a proxy: https anywhere, http only to loopback, and links stay as Datadog gave them', () => {
    expect(datadogBaseUrl('https://dd-proxy.internal:8443/')).toBe('https://dd-proxy.internal:8443')
    expect(appLink('https://dd-proxy.internal:8443', '/dashboard/abc')).toBe('/dashboard/abc')
    expect(refusal('http://dd-proxy.internal')).toMatch(/plain http:\/\//)
  })
})

describe('anything else is refused with the nearest site', () => {
  test.each([
    ['datadoghq.con', 'datadoghq.com'],
    ['datadog.eu', 'datadoghq.eu'],
    ['us5.datadog.com', 'us5.datadoghq.com'],
    ['ap1.datadoghq.co', 'ap1.datadoghq.com'],
    ['ddog-gov.org', 'ddog-gov.com'],
    ['example.com', 'datadoghq.com']
  ])('%s → did you mean %s', (typo, suggestion) => {
    const message = refusal(typo)
    expect(message).toContain(`"${typo}" is not a Datadog site. Did you mean "${suggestion}"?`)
    expect(message).toContain('full https:// URL')
  })

  test('the suggestion is the site at the smallest edit distance', () => {
    expect(editDistance('datadoghq.con', 'datadoghq.com')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    for (const site of DATADOG_SITES) expect(nearest(site, DATADOG_SITES)).toBe(site)
    expect(() => knownSite('us4.datadoghq.com')).toThrow(/Did you mean "us[35]\.datadoghq\.com"/)
  })
})

describe('through the action', () => {
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

  test('a typo in datadog-site fails the step before any request, and the key goes nowhere', async () => {
    const result = await runActionInProcess({
      accounts: 'jack',
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-site': 'datadoghq.con',
      'x-api-url': x.url
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Did you mean "datadoghq.com"?')
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })
})
