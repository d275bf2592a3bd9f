/**
 * Secrets audit: representative failure paths of every class (config, X refusals, X errors, network
 * failures, Datadog refusals, undelivered series), run with distinctive credentials and servers that
 * echo the request's headers back, as some proxies do. No credential may appear anywhere a user or
 * a later step can read: stdout (outside ::add-mask:: lines), stderr, the job summary, the outputs,
 * the undelivered file, or a thrown message.
 */
import { describe, expect, test } from '@jest/globals'
import { parseConfig } from '../../src/config/parse.js'
import { readSettingsFromEnv } from '../../src/config/settings.js'
import { ConfigError } from '../../src/text/errors.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps, send } from '../../src/http/send.js'
import { createDatadogClient } from '../../src/datadog/series.js'
import { createXSource } from '../../src/sources/x.js'
import { BATCH_A, HANG_TIMEOUT, isBatchB, runScenario, type Scenario, type ScenarioOptions } from '../support/fault-scenario.js'
import { runCliInProcess } from '../support/run-cli.js'
import { metricsFor, startDatadogStandIn, startXStandIn, type Answer, type Override, type RecordedRequest } from '../support/stand-ins.js'

const BEARER = 'XB-bearer-4f1d9c7a2e-SECRET'
const OAUTH = {
  'x-consumer-key': 'XC-consumer-8b3e51-SECRET',
  'x-consumer-secret': 'XS-consumer-secret-d07a92-SECRET',
  'x-access-token': '12345-XA-access-5c6f0e-SECRET',
  'x-access-token-secret': 'XT-token-secret-93ab4d-SECRET'
}
const DD = 'DD-api-key-2a7c5e9f1b-SECRET'
const SECRETS = [BEARER, ...Object.values(OAUTH), DD]
const OAUTH_INPUTS = { 'x-bearer-token': '', ...OAUTH }

/** An answer that quotes the request's headers back, as a misbehaving proxy might. */
function echo(status: number, shape: 'x' | 'datadog' = 'x'): (request: RecordedRequest) => Answer {
  return (request) => {
    const said = `upstream refused request with headers ${JSON.stringify(request.headers)}`
    return {
      status,
      body: JSON.stringify(shape === 'x' ? { title: 'Error', detail: said, errors: [{ message: said, code: status === 403 ? 453 : 0 }] } : { errors: [said] })
    }
  }
}

function only(when: (request: RecordedRequest) => boolean, answer: (request: RecordedRequest) => Answer): Override {
  return (request) => (when(request) ? answer(request) : undefined)
}

/** Where each credential must not be: every readable product of the run. */
function expectNoSecret(s: Scenario): void {
  const places: Record<string, string> = {
    stdout: s.log,
    stderr: s.result.stderr,
    summary: s.result.summary,
    outputs: JSON.stringify(s.result.outputs),
    undelivered: s.result.undelivered ?? ''
  }
  for (const secret of SECRETS) {
    for (const form of [secret, encodeURIComponent(secret)]) {
      for (const [place, text] of Object.entries(places)) {
        expect({ place, leaked: text.includes(form) }).toEqual({ place, leaked: false })
      }
    }
  }
}

/** Every credential given was masked, before anything else was printed. */
function expectMasked(s: Scenario, secrets: string[]): void {
  const firstOther = s.result.stdout.split('\n').findIndex((line) => !line.startsWith('::add-mask::'))
  const masks = s.result.stdout.split('\n').slice(0, firstOther)
  for (const secret of secrets) expect(masks).toContain(`::add-mask::${secret}`)
}

const bearer = (options: ScenarioOptions): Promise<Scenario> => runScenario({ xToken: BEARER, ddKey: DD, ...options })
const oauth = (options: ScenarioOptions): Promise<Scenario> =>
  runScenario({ xToken: BEARER, ddKey: DD, ...options, inputs: { ...OAUTH_INPUTS, ...options.inputs } })

describe('no credential leaks from a failing run of the action', () => {
  test('per-account errors and a 503 from X that echo the bearer token, then a 400 from Datadog that echoes the API key', async () => {
    const s = await bearer({
      x: (request, _index, normal) => {
        if (isBatchB(request)) return echo(503)(request)
        const answer = normal()
        const body = JSON.parse(answer.body!) as { data: unknown[]; errors?: unknown[] }
        body.errors = [{ value: BATCH_A[0], detail: `lookup failed for ${JSON.stringify(request.headers)}`, title: 'Internal' }]
        body.data = body.data.slice(1)
        return { ...answer, body: JSON.stringify(body) }
      },
      dd: echo(400, 'datadog')
    })
    expect(s.result.code).toBe(1)
    expect(s.result.undelivered).toBeDefined()
    // The echoes did reach the messages, with the credentials blanked out.
    expect(s.log).toContain('"authorization":"Bearer ***"')
    expect(s.log).toContain('"dd-api-key":"***"')
    expectMasked(s, [BEARER, DD])
    expectNoSecret(s)
  })

  test('X 401 that echoes the bearer token (fatal)', async () => {
    const s = await bearer({ accounts: ['jack'], x: echo(401) })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('X rejected the credentials (401 Unauthorized)')
    expect(s.log).toContain('Bearer ***')
    expectNoSecret(s)
  })

  test('X 403 error 453 that echoes the OAuth header, which carries the consumer key and access token', async () => {
    const s = await oauth({ accounts: ['jack'], x: echo(403) })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('(403, error 453)')
    expect(s.log).toContain('oauth_consumer_key=\\"***\\"')
    expectMasked(s, Object.values(OAUTH))
    expectNoSecret(s)
  })

  test('OAuth: X 503 echo on one batch, X hang on the other, nothing to send', async () => {
    const s = await oauth({
      inputs: HANG_TIMEOUT,
      x: (request) => (isBatchB(request) ? echo(503)(request) : { status: 200, body: '{}', delayMs: 5000 })
    })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('no answer within 0.5 s')
    expectNoSecret(s)
  })

  test('Datadog 403 that echoes the API key, after an X connection reset on one batch', async () => {
    const s = await bearer({
      x: only(isBatchB, () => ({ status: 200, body: '{"data":[' + '{}, '.repeat(200) + '{}]}', resetMidBody: true })),
      dd: echo(403, 'datadog')
    })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('Datadog refused the API key (403)')
    expect(s.log).toContain('ECONNRESET')
    expect(s.result.undelivered).toBeDefined()
    expectNoSecret(s)
  })

  test('Datadog 503 echo and then a hang: the series are saved without the key', async () => {
    let calls = 0
    const s = await bearer({
      accounts: ['jack', 'nasa'],
      inputs: HANG_TIMEOUT,
      dd: (request) => (calls++ === 0 ? echo(503, 'datadog')(request) : { status: 202, body: '{}', delayMs: 5000 })
    })
    expect(s.result.code).toBe(1)
    expect(s.result.undelivered).toBeDefined()
    expectNoSecret(s)
  })

  test('invalid settings next to valid credentials: the configuration error names no secret', async () => {
    const s = await oauth({ inputs: { 'datadog-site': 'not a site', accounts: 'jack, bad!name', 'x-consumer-secret': '' } })
    expect(s.result.code).toBe(1)
    expect(s.log).toContain('"bad!name"')
    expect(s.log).toContain('x-consumer-secret (X_CONSUMER_SECRET) is missing')
    expect(s.x.requests).toHaveLength(0)
    expectNoSecret(s)
  })

  test('a dry run prints the series and no credential', async () => {
    const s = await bearer({ accounts: ['jack'], inputs: { 'dry-run': 'true' } })
    expect(s.result.code).toBe(0)
    expect(s.log).toContain('twitter.followers_count')
    expectNoSecret(s)
  })
})

/** Runs `task` and returns every message it produced: the thrown one, or the failures and warnings it returned. */
async function messagesOf(task: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await task())
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message} ${JSON.stringify(error.cause ?? '')}` : String(error)
  }
}

function expectNoSecretIn(text: string): void {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret)
    expect(text).not.toContain(encodeURIComponent(secret))
  }
}

describe('no credential in thrown or returned messages', () => {
  const policy = { ...DEFAULT_POLICY, maxRetries: 1, timeoutMs: 300, baseDelayMs: 1 }
  const deps = { ...realHttpDeps, sleep: async () => {} }

  test('transport failures name neither URL nor headers, even when both carry credentials', async () => {
    const dd = await startDatadogStandIn(DD)
    try {
      const url = `${dd.url}/api/${BEARER}?api_key=${DD}`
      const headers = { authorization: `Bearer ${BEARER}`, 'dd-api-key': DD }
      const attempts: Answer[] = [
        { status: 200, body: 'x'.repeat(100), resetMidBody: true },
        { status: 202, body: '{}', delayMs: 1000 }
      ]
      for (const answer of attempts) {
        dd.override = () => answer
        expectNoSecretIn(await messagesOf(() => send({ method: 'GET', url, headers }, { policy, deps, service: 'Test', rateLimitResetAt: () => undefined })))
      }
      // fetch itself refuses a header value with a newline, quoting the value in its message.
      const broken = await messagesOf(() =>
        send({ method: 'GET', url, headers: { authorization: `Bearer ${BEARER}\n` } }, { policy, deps, service: 'Test', rateLimitResetAt: () => undefined })
      )
      expect(broken).toContain('NetworkError')
      expectNoSecretIn(broken)
    } finally {
      await dd.close()
    }
  })

  test('the X source and the Datadog client return scrubbed messages when servers echo the credentials', async () => {
    const x = await startXStandIn({}, BEARER)
    const dd = await startDatadogStandIn(DD)
    try {
      const accounts = [{ network: 'x' as const, handle: 'jack', key: 'jack' }]
      for (const [status, auth] of [
        [401, { kind: 'bearer', token: BEARER }],
        [503, { kind: 'bearer', token: BEARER }],
        [
          403,
          {
            kind: 'oauth1',
            consumerKey: OAUTH['x-consumer-key'],
            consumerSecret: OAUTH['x-consumer-secret'],
            accessToken: OAUTH['x-access-token'],
            accessTokenSecret: OAUTH['x-access-token-secret']
          }
        ]
      ] as const) {
        x.override = echo(status)
        const source = createXSource({ auth, apiUrl: x.url, policy, concurrency: 1, deps })
        const said = await messagesOf(() => source.collect(accounts))
        expect(said).toContain('***')
        expectNoSecretIn(said)
      }
      // Messages are cut short: the cut must not leave a piece of a credential behind.
      x.override = () => ({ status: 503, body: JSON.stringify({ title: 'Error', detail: `${'x'.repeat(270)} Bearer ${BEARER}` }) })
      const cut = await messagesOf(() =>
        createXSource({ auth: { kind: 'bearer', token: BEARER }, apiUrl: x.url, policy, concurrency: 1, deps }).collect(accounts)
      )
      expect(cut).toContain('Bearer *')
      expect(cut).not.toContain(BEARER.slice(0, 8))
      for (const status of [400, 403, 413, 429, 500]) {
        dd.override = echo(status, 'datadog')
        const client = createDatadogClient({ apiKey: DD, baseUrl: dd.url, site: 'datadoghq.com', policy: { ...policy, maxRateLimitWaitMs: 0 }, deps })
        const said = await messagesOf(() => client.submit([{ metric: 'twitter.followers_count', type: 3, points: [{ timestamp: 1, value: 1 }], tags: [] }]))
        expectNoSecretIn(said)
        expect(said).not.toContain(DD.slice(0, 8))
      }
    } finally {
      await x.close()
      await dd.close()
    }
  })

  test('configuration errors never quote a secret setting', () => {
    const env = {
      ACCOUNTS: 'jack',
      X_BEARER_TOKEN: BEARER,
      DATADOG_API_KEY: DD,
      DATADOG_SITE: `https://user:${DD}@example.com`,
      X_API_URL: 'ftp://example.com',
      TAGS: 'account:x',
      MAX_RETRIES: 'many'
    }
    let error: unknown
    try {
      parseConfig(readSettingsFromEnv(env))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(4)
    expectNoSecretIn((error as ConfigError).message)
  })
})

describe('no X bearer token leaks when a server echoes it URL-decoded', () => {
  /** A real token's shape: URL-encoded, so a server that decodes the header echoes "+" and "=" instead. */
  const TOKEN = 'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F'
  const DECODED = decodeURIComponent(TOKEN)
  /** Pieces of the token around its escapes: none may be readable anywhere, in any spelling. */
  const PIECES = ['0+uSeid+ULv', 'SJSI=EUif', 'uSeid', 'EUifiRBkKG5E2X']

  /** X answers with the token it was sent, decoded, as a proxy in front of it might. */
  const echoDecoded = (status: number): ((request: RecordedRequest) => Answer) => {
    return (request) => {
      const sent = decodeURIComponent(String(request.headers.authorization ?? ''))
      const said = `upstream refused ${sent} (token ${DECODED})`
      return { status, body: JSON.stringify({ title: 'Error', detail: said, errors: [{ message: said }] }) }
    }
  }

  function expectNoToken(places: Record<string, string>): void {
    expect(DECODED).toContain('+')
    for (const [place, text] of Object.entries(places)) {
      for (const form of [TOKEN, DECODED, JSON.stringify(DECODED).slice(1, -1), ...PIECES]) {
        expect({ place, form, leaked: text.includes(form) }).toEqual({ place, form, leaked: false })
      }
    }
  }

  test('the action: a 401 and then a 503 that echo the decoded token reach neither log, summary nor outputs', async () => {
    for (const status of [401, 503]) {
      const s = await runScenario({ xToken: TOKEN, ddKey: DD, accounts: ['jack'], x: echoDecoded(status) })
      expect(s.result.code).toBe(1)
      expect(s.log).toContain('upstream refused Bearer ***')
      expect(s.result.summary).toContain('***')
      expect(s.result.stdout).toContain(`::add-mask::${DECODED}`)
      expectNoToken({ log: s.log, stderr: s.result.stderr, summary: s.result.summary, outputs: JSON.stringify(s.result.outputs) })
    }
  })

  test('the command line: neither stderr nor --json shows the decoded token', async () => {
    const x = await startXStandIn({ jack: metricsFor(1) }, TOKEN)
    const dd = await startDatadogStandIn(DD)
    try {
      x.override = echoDecoded(503)
      const env = { X_BEARER_TOKEN: TOKEN, DATADOG_API_KEY: DD, X_API_URL: x.url, DATADOG_SITE: dd.url, MAX_RETRIES: '0' }
      const plain = await runCliInProcess(['jack'], env)
      const json = await runCliInProcess(['--json', 'jack'], env)
      for (const run of [plain, json]) expect(run.code).toBe(1)
      expect(plain.stderr).toContain('upstream refused Bearer ***')
      expect(json.stdout).toContain('upstream refused Bearer ***')
      expectNoToken({ stdout: plain.stdout, stderr: plain.stderr, json: json.stdout, 'json stderr': json.stderr })
    } finally {
      await x.close()
      await dd.close()
    }
  })
})
