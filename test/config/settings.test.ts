import { describe, expect, test } from '@jest/globals'
import { SETTINGS, readSettingsFromEnv, secretValues } from '../../src/config/settings.js'
import { datadogBaseUrl, parseConfig, validateBaseUrl } from '../../src/config/parse.js'
import { ConfigError } from '../../src/text/errors.js'

const base = { ACCOUNTS: 'jack', X_BEARER_TOKEN: 'tok', DATADOG_API_KEY: 'key' }

function problemsOf(env: Record<string, string>): string {
  try {
    parseConfig(readSettingsFromEnv(env))
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('parseConfig from environment variables', () => {
  test('defaults follow the settings table', () => {
    const config = parseConfig(readSettingsFromEnv(base))
    expect(config.metricPrefix).toBe('twitter')
    expect(config.datadog).toEqual({ apiKey: 'key', site: 'datadoghq.com', baseUrl: 'https://api.datadoghq.com' })
    expect(config.x).toEqual({ auth: { kind: 'bearer', token: 'tok' }, apiUrl: 'https://api.x.com' })
    expect(config.dryRun).toBe(false)
    expect(config.policy.maxRateLimitWaitMs).toBe(900_000)
    expect(config.policy.timeoutMs).toBe(30_000)
  })

  test('every setting is read from its variable', () => {
    const config = parseConfig(
      readSettingsFromEnv({
        ...base,
        DATADOG_SITE: 'datadoghq.eu',
        METRIC_PREFIX: 'social.stats',
        TAGS: 'team:a\nenv:prod',
        DRY_RUN: 'true',
        X_API_URL: 'http://127.0.0.1:8080/',
        RATE_LIMIT_MAX_WAIT: '60',
        REQUEST_TIMEOUT: '5',
        MAX_RETRIES: '1',
        CONCURRENCY: '8'
      })
    )
    expect(config).toMatchObject({ metricPrefix: 'social.stats', tags: ['team:a', 'env:prod'], dryRun: true, concurrency: 8 })
    expect(config.datadog.baseUrl).toBe('https://api.datadoghq.eu')
    expect(config.x.apiUrl).toBe('http://127.0.0.1:8080')
    expect(config.policy).toMatchObject({ maxRateLimitWaitMs: 60_000, timeoutMs: 5000, maxRetries: 1 })
  })

  test('all problems are reported at once, each naming the setting', () => {
    const message = problemsOf({ ACCOUNTS: 'jack bad!name', METRIC_PREFIX: '9lives', TAGS: 'ok:1,:bad', DRY_RUN: 'maybe' })
    expect(message).toContain('"bad!name"')
    expect(message).toContain('`metric-prefix` "9lives"')
    expect(message).toContain('tag ":bad"')
    expect(message).toContain('`dry-run` is "maybe"')
  })

  test('the Datadog key is required unless dry-run, and the message says both ways out', () => {
    expect(problemsOf({ ACCOUNTS: 'jack', X_BEARER_TOKEN: 't' })).toContain(
      'datadog-api-key (DATADOG_API_KEY) is required to send metrics; set it, or set dry-run to true'
    )
    expect(parseConfig(readSettingsFromEnv({ ACCOUNTS: 'jack', X_BEARER_TOKEN: 't', DRY_RUN: 'true' })).datadog.apiKey).toBeUndefined()
  })

  test('OAuth 1.0a: all four keys, or an error naming the missing ones', () => {
    const oauth = { ACCOUNTS: 'jack', DATADOG_API_KEY: 'k', X_CONSUMER_KEY: 'a', X_CONSUMER_SECRET: 'b', X_ACCESS_TOKEN: 'c', X_ACCESS_TOKEN_SECRET: 'd' }
    expect(parseConfig(readSettingsFromEnv(oauth)).x.auth).toEqual({
      kind: 'oauth1',
      consumerKey: 'a',
      consumerSecret: 'b',
      accessToken: 'c',
      accessTokenSecret: 'd'
    })
    expect(problemsOf({ ...oauth, X_ACCESS_TOKEN_SECRET: '' })).toContain('x-access-token-secret (X_ACCESS_TOKEN_SECRET) is missing')
  })

  test('secretValues lists exactly the secret settings that are set', () => {
    const raw = readSettingsFromEnv({ ...base, X_CONSUMER_KEY: 'ck', METRIC_PREFIX: 'p' })
    expect(secretValues(raw).sort()).toEqual(['ck', 'key', 'tok'])
    expect(SETTINGS.filter((s) => s.secret).map((s) => s.env)).toEqual(expect.arrayContaining(['X_BEARER_TOKEN', 'DATADOG_API_KEY', 'X_ACCESS_TOKEN_SECRET']))
  })
})

describe('URLs', () => {
  test.each([
    'datadoghq.com',
    'datadoghq.eu',
    'us3.datadoghq.com',
    'us5.datadoghq.com',
    'ap1.datadoghq.com',
    'ap2.datadoghq.com',
    'ddog-gov.com',
    'app.datadoghq.eu'
  ])('site %s maps to its API host', (site) => {
    expect(datadogBaseUrl(site)).toBe(`https://api.${site.replace(/^app\./, '')}`)
  })

  test('a full URL is used as the base', () => {
    expect(datadogBaseUrl('https://dd-proxy.internal:8443/')).toBe('https://dd-proxy.internal:8443')
    expect(datadogBaseUrl('http://localhost:9000')).toBe('http://localhost:9000')
  })

  test.each(['http://api.example.com', 'http://10.0.0.5', 'http://127.0.0.1.example.com'])('plain http to %s is refused', (url) => {
    expect(() => validateBaseUrl(url, 'x-api-url')).toThrow(/plain http:\/\/.*unencrypted/)
  })

  test.each(['http://127.0.0.1:1234', 'http://localhost', 'http://[::1]:99', 'https://api.example.com'])('%s is allowed', (url) => {
    expect(() => validateBaseUrl(url, 'x-api-url')).not.toThrow()
  })

  test('credentials, queries and other schemes in URLs are refused', () => {
    expect(() => validateBaseUrl('https://user:pw@api.example.com', 'x-api-url')).toThrow(/user name or password/)
    expect(() => validateBaseUrl('https://api.example.com/?token=1', 'x-api-url')).toThrow(/query/)
    expect(() => validateBaseUrl('ftp://api.example.com', 'x-api-url')).toThrow(/https/)
    expect(() => datadogBaseUrl('not a site')).toThrow(/not a Datadog site/)
  })
})
