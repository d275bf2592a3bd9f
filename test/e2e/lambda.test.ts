/**
 * The Lambda adapter: its source in-process (runLambda) against the stand-ins and Secrets Manager in
 * moto, and one smoke test of the release zip in a bare folder, as AWS runs it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/text/errors.js'
import type { HttpDeps } from '../../src/http/send.js'
import { runLambda, secretSettings, type LambdaResult } from '../../src/lambda/handler.js'
import { createJsonLogger } from '../../src/lambda/log.js'
import { describeSecretError, fetchSecretFromAws, parseSecretSettings } from '../../src/lambda/secrets.js'
import { LAMBDA_BUILD_TIMEOUT_MS, lambdaZip, useMoto, toolsAvailable, unpackZip, type Moto } from '../support/moto.js'
import { startBlueskyStandIn, startMastodonStandIn } from '../support/network-stand-ins.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const fastHttp: HttpDeps = { fetch: (input, init) => globalThis.fetch(input, init), sleep: async () => {}, random: () => 0.5, now: Date.now }

function parseLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('the secret in Secrets Manager', () => {
  test('a JSON object of secret settings becomes settings, empty values dropped', () => {
    expect(parseSecretSettings(JSON.stringify({ X_BEARER_TOKEN: ' tok ', DATADOG_API_KEY: 'key', X_CONSUMER_KEY: '' }), 'ts')).toEqual({
      xBearerToken: 'tok',
      datadogApiKey: 'key'
    })
  })

  test('unknown keys are named, and values never appear in the error', () => {
    const error = (() => {
      try {
        parseSecretSettings(JSON.stringify({ X_BEARER_TOKN: 'hidden-value-1', DATADOG_API_KEY: 42 }), 'ts')
      } catch (e) {
        return e
      }
    })() as ConfigError
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain('"X_BEARER_TOKN"')
    expect(error.message).toContain('DATADOG_API_KEY must be text')
    expect(error.message).not.toContain('hidden-value-1')
    expect(error.message).not.toContain('42')
  })

  test('text that is not a JSON object is refused with what to store instead', () => {
    expect(() => parseSecretSettings('dd-key-in-plain-text', 'ts')).toThrow(/is not JSON: store an object such as/)
    expect(() => parseSecretSettings('["a"]', 'ts')).toThrow(/must be a JSON object keyed by X_BEARER_TOKEN/)
    expect(() => parseSecretSettings('dd-key-in-plain-text', 'ts')).not.toThrow(/dd-key-in-plain-text/)
  })

  test('Secrets Manager refusals say what to fix', () => {
    const named = (name: string): Error => Object.assign(new Error('AWS said no'), { name })
    expect(describeSecretError(named('ResourceNotFoundException'), 'ts/creds')).toMatch(/"ts\/creds" \(SECRET_ID\) was not found/)
    expect(describeSecretError(named('AccessDeniedException'), 'ts/creds')).toMatch(/secretsmanager:GetSecretValue on that secret/)
  })

  test('is read once per cold start and again after a failed read', async () => {
    let reads = 0
    const fetchSecret = async (): Promise<string> => {
      reads++
      if (reads === 1) throw new ConfigError(['throttled'])
      return JSON.stringify({ X_BEARER_TOKEN: 't' })
    }
    await expect(secretSettings('cache-test', fetchSecret)).rejects.toThrow('throttled')
    await expect(secretSettings('cache-test', fetchSecret)).resolves.toEqual({ xBearerToken: 't' })
    await expect(secretSettings('cache-test', fetchSecret)).resolves.toEqual({ xBearerToken: 't' })
    expect(reads).toBe(2)
  })
})

describe('the JSON-lines log', () => {
  test('each line is one JSON object with level and message, and known secrets are masked however deep', async () => {
    const lines: string[] = []
    const logger = createJsonLogger((line) => lines.push(line), { requestId: 'r1' })
    logger.scrub(['s3cr3t-token'])
    logger.warning('X said s3cr3t-token is bad', { account: 'jack', count: 2 })
    await logger.group('Phase', async () => logger.line('error', 'deep', { body: { items: ['a s3cr3t-token b'] } }))
    expect(lines.every((line) => !line.includes('\n'))).toBe(true)
    expect(lines.join('\n')).not.toContain('s3cr3t-token')
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(parseLines(lines)).toEqual([
      { time, level: 'warning', message: 'X said *** is bad', requestId: 'r1', account: 'jack', count: 2 },
      { time, level: 'info', message: 'Phase', requestId: 'r1', phase: 'start' },
      { time, level: 'error', message: 'deep', requestId: 'r1', body: { items: ['a *** b'] } }
    ])
  })
})

describe('runLambda in process', () => {
  let x: XStandIn
  let dd: DatadogStandIn
  let lines: string[]
  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
    dd = await startDatadogStandIn()
    lines = []
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
  })

  const deps = (env: Record<string, string>, secret?: Record<string, string>): Parameters<typeof runLambda>[0] => ({
    env: { ACCOUNTS: 'jack;nasa', X_API_URL: x.url, DATADOG_SITE: dd.url, ...env },
    http: fastHttp,
    fetchSecret: async () => JSON.stringify(secret ?? {}),
    write: (line) => lines.push(line)
  })

  test('the secret is merged over the environment, and the result counts what was done', async () => {
    const result = await runLambda(deps({ SECRET_ID: 'merge-test', DATADOG_API_KEY: 'stale-env-key' }, { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }))
    expect(result satisfies LambdaResult).toEqual({ collected: 2, failed: 0, seriesSent: 19 })
    expect(dd.requests[0]!.headers['dd-api-key']).toBe(DD_KEY)
    const records = parseLines(lines)
    expect(records.at(-1)).toMatchObject({ level: 'info', message: 'Run succeeded.', collected: 2, failed: 0, seriesSent: 19 })
    expect(lines.join('\n')).not.toContain(DD_KEY)
    expect(lines.join('\n')).not.toContain(X_TOKEN)
  })

  test('after a failed run the secret is read again, so a rotated key works without a cold start', async () => {
    let reads = 0
    const rotating = {
      ...deps({ SECRET_ID: 'rotation-test' }),
      fetchSecret: async () => JSON.stringify({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: reads++ === 0 ? 'revoked-key' : DD_KEY })
    }
    await expect(runLambda(rotating)).rejects.toThrow(/Datadog refused the API key \(403\)/)
    await expect(runLambda(rotating)).resolves.toEqual({ collected: 2, failed: 0, seriesSent: 19 })
    await expect(runLambda(rotating)).resolves.toEqual({ collected: 2, failed: 0, seriesSent: 19 })
    expect(reads).toBe(2)
    expect(lines.join('\n')).not.toContain('revoked-key')
  })

  test('an invalid configuration throws before any request, naming the problem and no secret', async () => {
    const run = runLambda(deps({ ACCOUNTS: 'jack, not-a-user!', X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }))
    await expect(run).rejects.toThrow(/configuration is invalid.*"not-a-user!"/s)
    await run.catch((error: Error) => expect(error.message).not.toContain(X_TOKEN))
    expect(x.requests).toHaveLength(0)
    expect(parseLines(lines)[0]).toMatchObject({ level: 'error', problems: [expect.stringContaining('not-a-user!')] })
  })

  test('an unexpected error is logged as JSON and rethrown with known secrets masked', async () => {
    const run = runLambda({
      ...deps({ SECRET_ID: 'bug-test', X_BEARER_TOKEN: X_TOKEN }),
      fetchSecret: async () => Promise.reject(new TypeError(`bad header "Bearer ${X_TOKEN}"`))
    })
    await expect(run).rejects.toThrow('twitter-stats stopped unexpectedly; please report this with the log: bad header "Bearer ***"')
    expect(parseLines(lines)).toEqual([expect.objectContaining({ level: 'error', problems: ['bad header "Bearer ***"'] })])
  })

  test('a mixed list (X, Bluesky, Mastodon) runs through the same core, with no credentials for the other networks', async () => {
    const bsky = await startBlueskyStandIn([
      { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', handle: 'alice.bsky.social', followersCount: 700, followsCount: 70, postsCount: 7000 }
    ])
    const masto = await startMastodonStandIn([{ username: 'anna', followers_count: 300, following_count: 30, statuses_count: 3000 }])
    try {
      const env = {
        ACCOUNTS: 'jack; alice.bsky.social; anna@one.social; ghost@one.social',
        BLUESKY_API_URL: bsky.url,
        MASTODON_API_URL: masto.url,
        X_BEARER_TOKEN: X_TOKEN,
        DATADOG_API_KEY: DD_KEY
      }
      await expect(runLambda(deps(env))).resolves.toMatchObject({ collected: 3, failed: 1 })
      const followers = dd.series.filter((s) => s.metric === 'twitter.followers_count').map((s) => [s.tags, s.points[0]!.value])
      expect(followers).toEqual([
        [['account:jack', 'network:x'], 1001],
        [['account:alice.bsky.social', 'network:bluesky'], 700],
        [['account:anna_one.social', 'network:mastodon', 'instance:one.social'], 300]
      ])
      expect(parseLines(lines)).toContainEqual(
        expect.objectContaining({ level: 'warning', message: 'Mastodon account ghost@one.social was not found (deleted, moved, or mistyped).' })
      )
    } finally {
      await bsky.close()
      await masto.close()
    }
  })

  test('a rate-limit wait that would outlast the function timeout fails the run at once', async () => {
    x.override = () => ({
      status: 429,
      headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 600) },
      body: JSON.stringify({ title: 'Too Many Requests', status: 429 })
    })
    const started = Date.now()
    const run = runLambda({ ...deps({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }), http: realHttpWithoutWaits(), remainingMs: () => 25_000 })
    await expect(run).rejects.toThrow(/rate limit/)
    expect(Date.now() - started).toBeLessThan(5_000)
    // No account was collected: only the collector's own series, counting both accounts as rate limited.
    expect(dd.series.every((s) => s.metric.startsWith('twitter.collector.'))).toBe(true)
    expect(dd.series.find((s) => s.metric === 'twitter.collector.accounts_failed' && s.tags.includes('reason:rate_limited'))!.points[0]!.value).toBe(2)
  })

  test('throws when Datadog keeps failing, after logging the refused series as a re-sendable body', async () => {
    dd.override = () => ({ status: 503, body: JSON.stringify({ errors: ['Service Unavailable'] }) })
    const run = runLambda(deps({ MAX_RETRIES: '1', X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }))
    await expect(run).rejects.toThrow(/run failed.*Datadog answered 503/s)
    const message = await run.then(
      () => '',
      (error: Error) => error.message
    )
    expect(dd.requests).toHaveLength(2)
    const undelivered = parseLines(lines).filter((r) => r.body !== undefined)
    expect(undelivered).toHaveLength(1)
    const body = undelivered[0]!.body as { series: { metric: string }[] }
    // 12 account gauges (jack, nasa) and the collector's own 7.
    expect(body.series.filter((s) => !s.metric.startsWith('twitter.collector.'))).toHaveLength(12)
    expect(body.series).toHaveLength(19)
    expect(JSON.parse(dd.requests[0]!.body)).toEqual(body)
    expect(`${lines.join('\n')}${JSON.stringify(message)}`).not.toContain(DD_KEY)
  })
})

/** Real sleeps would reveal a wait; this one records them instead, and the test checks none was long. */
function realHttpWithoutWaits(): HttpDeps {
  return {
    ...fastHttp,
    sleep: async (ms) => {
      if (ms > 5_000) throw new Error(`waited ${ms} ms although the function had only 25 s left`)
    }
  }
}

const RUNNER = `
import { pathToFileURL } from 'node:url'
import { writeFileSync } from 'node:fs'
const { handler } = await import(pathToFileURL(process.env.HANDLER_FILE).href)
const results = []
for (let i = 1; i <= Number(process.env.INVOCATIONS); i++) {
  const context = { awsRequestId: 'req-' + i, getRemainingTimeInMillis: () => 60000 }
  try {
    results.push({ ok: true, value: await handler({ source: 'aws.events' }, context) })
  } catch (error) {
    results.push({ ok: false, message: error.message })
  }
}
writeFileSync(process.env.RESULT_FILE, JSON.stringify(results))
`

interface Invocation {
  ok: boolean
  value?: LambdaResult
  message?: string
}

const e2e = toolsAvailable(['moto_server', 'python3'], 'the Lambda against Secrets Manager in moto (test/e2e/lambda.test.ts)')
;(e2e ? describe : describe.skip)('with Secrets Manager in moto', () => {
  const SECRET_NAME = 'twitter-stats/test'
  let moto: Moto
  let dir: string
  let x: XStandIn
  let dd: DatadogStandIn

  beforeAll(async () => {
    moto = await useMoto()
    dir = unpackZip(await lambdaZip(), moto.python)
    const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })
    await client.send(new CreateSecretCommand({ Name: SECRET_NAME, SecretString: JSON.stringify({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }) }))
    client.destroy()
  }, LAMBDA_BUILD_TIMEOUT_MS)
  afterAll(async () => {
    await moto?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3) })
    dd = await startDatadogStandIn()
  })
  afterEach(async () => {
    await x.close()
    await dd.close()
  })

  /** The AWS SDK takes its endpoint and credentials from the process environment, as in Lambda. */
  async function withMotoEnv<T>(task: () => Promise<T>): Promise<T> {
    const saved = process.env
    process.env = { ...saved, ...moto.env, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url }
    try {
      return await task()
    } finally {
      process.env = saved
    }
  }

  test('a secret that does not exist fails with its name and what to check, before any request', async () => {
    const lines: string[] = []
    const run = withMotoEnv(() =>
      runLambda({
        env: { SECRET_ID: 'no/such/secret', ACCOUNTS: 'jack', X_API_URL: x.url, DATADOG_SITE: dd.url },
        http: fastHttp,
        fetchSecret: fetchSecretFromAws,
        write: (line) => lines.push(line)
      })
    )
    await expect(run).rejects.toThrow(/"no\/such\/secret" \(SECRET_ID\) was not found/)
    expect(parseLines(lines)[0]).toMatchObject({ level: 'error', problems: [expect.stringContaining('was not found')] })
    expect(x.requests).toHaveLength(0)
  })

  async function invoke(env: Record<string, string>, invocations = 1): Promise<{ results: Invocation[]; stdout: string; stderr: string }> {
    const work = mkdtempSync(join(tmpdir(), 'twitter-stats-invoke-'))
    const resultFile = join(work, 'result.json')
    // Only what Lambda would set: no NODE_PATH, no node_modules, credentials for the role.
    const childEnv = {
      PATH: process.env.PATH ?? '',
      ...moto.env,
      AWS_ENDPOINT_URL: '',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
      HANDLER_FILE: join(dir, 'index.js'),
      RESULT_FILE: resultFile,
      INVOCATIONS: String(invocations),
      SECRET_ID: SECRET_NAME,
      ACCOUNTS: 'jack;nasa,github',
      X_API_URL: x.url,
      DATADOG_SITE: dd.url,
      ...env
    }
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], { cwd: dir, env: childEnv })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    if (code !== 0) throw new Error(`the runner exited ${code}: ${stderr}`)
    const results = JSON.parse(readFileSync(resultFile, 'utf8')) as Invocation[]
    rmSync(work, { recursive: true, force: true })
    return { results, stdout, stderr }
  }

  test('the release zip, unpacked into an empty folder, holds only the bundle, reads its secret, collects and sends, warm invocations included', async () => {
    const files = readdirSync(dir)
    expect(files).toContain('index.js')
    expect(files).not.toContain('node_modules')
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({ type: 'module' })

    const { results, stdout, stderr } = await invoke({}, 2)
    // 18 account gauges and the collector's own 7 per invocation.
    expect(results).toEqual([
      { ok: true, value: { collected: 3, failed: 0, seriesSent: 25 } },
      { ok: true, value: { collected: 3, failed: 0, seriesSent: 25 } }
    ])
    expect(x.requests).toHaveLength(2)
    expect(x.requests[0]!.headers.authorization).toBe(`Bearer ${X_TOKEN}`)
    expect(dd.series.filter((s) => !s.metric.startsWith('twitter.collector.'))).toHaveLength(36)
    expect(dd.series.find((s) => s.metric === 'twitter.followers_count' && s.tags.includes('account:github'))!.points[0]!.value).toBe(1003)
    const lines = stdout.trim().split('\n')
    const records = parseLines(lines)
    expect(records.every((r) => typeof r.level === 'string' && typeof r.message === 'string')).toBe(true)
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', message: 'Run succeeded.', requestId: 'req-2', collected: 3, seriesSent: 25 }))
    expect(stdout + stderr).not.toContain(X_TOKEN)
    expect(stdout + stderr).not.toContain(DD_KEY)
  }, 60_000)
})
