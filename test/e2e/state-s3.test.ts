/**
 * The Lambda's state in one S3 object (src/state/s3-store.ts): against moto's S3 for what S3 does (an object
 * saved and read back, no object yet, no bucket, an object too large to be a state), and against a local S3
 * stand-in for what moto does not do (access denied, a server that never answers, a 503 that lasts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpDeps } from '../../src/http/send.js'
import { runLambda } from '../../src/lambda/handler.js'
import { createS3Store } from '../../src/state/s3-store.js'
import { MAX_STATE_BYTES, StateConflictError, StateStoreError, type StateStore } from '../../src/state/store.js'
import { toolsAvailable, useMoto, type Moto } from '../support/moto.js'
import { expectBothRunsKept, overlappingRuns } from '../support/overlap-scenario.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' }
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'))

const http: HttpDeps = { fetch: (input, init) => globalThis.fetch(input, init), sleep: async () => {}, random: () => 0.5, now: Date.now }

/** Runs the Lambda's source with STATE, against the X and Datadog stand-ins and the S3 at `endpoint`; its log lines as objects. */
async function lambdaRun(endpoint: string, state: string, x: XStandIn, dd: DatadogStandIn): Promise<{ level: string; message: string }[]> {
  const lines: string[] = []
  await runLambda({
    env: { ACCOUNTS: 'jack;nasa', STATE: state, X_API_URL: x.url, X_BEARER_TOKEN: X_TOKEN, DATADOG_SITE: dd.url, DATADOG_API_KEY: DD_KEY },
    http,
    fetchSecret: async () => JSON.stringify({}),
    stateClient: { endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true },
    write: (line) => lines.push(line)
  })
  return lines.map((line) => JSON.parse(line) as { level: string; message: string })
}

function storeAt(endpoint: string, bucket: string, key: string, budgetMs = 10_000): StateStore {
  return createS3Store({
    object: { bucket, key, uri: `s3://${bucket}/${key}` },
    budgetMs: () => budgetMs,
    client: { endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true }
  })
}

const moto = toolsAvailable(['moto_server', 'python3'], "the Lambda's state in S3 against moto (test/e2e/state-s3.test.ts)")
;(moto ? describe : describe.skip)('the state in an S3 object, against moto', () => {
  let aws: Moto
  let s3: S3Client

  beforeAll(async () => {
    aws = await useMoto()
    s3 = new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: 'states' }))
  }, 60_000)
  afterAll(async () => {
    s3?.destroy()
    await aws?.stop()
  })

  test('a saved state is what the next run reads; no object yet is no state, not an error', async () => {
    expect(await storeAt(aws.url, 'states', 'twitter-stats/first.json').load()).toBeUndefined()
    await storeAt(aws.url, 'states', 'twitter-stats/first.json').save(Buffer.from('{"run":1}'))
    await storeAt(aws.url, 'states', 'twitter-stats/first.json').save(Buffer.from('{"run":2}'))
    expect(text(await storeAt(aws.url, 'states', 'twitter-stats/first.json').load())).toBe('{"run":2}')
    expect(storeAt(aws.url, 'states', 'twitter-stats/first.json').where).toBe('s3://states/twitter-stats/first.json')
  })

  test('two Lambda runs share their state through the object', async () => {
    const [x, dd] = await Promise.all([startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) }), startDatadogStandIn()])
    try {
      const first = await lambdaRun(aws.url, 's3://states/lambda/state.json', x, dd)
      expect(first.map((line) => line.message)).toContain('No state in s3://states/lambda/state.json yet: this run starts one.')
      const second = await lambdaRun(aws.url, 's3://states/lambda/state.json', x, dd)
      expect(second.map((line) => line.message)).toContain('Read the state of 2 account(s) from s3://states/lambda/state.json.')
      expect([...first, ...second].filter((line) => line.level !== 'info')).toEqual([])
      expect(dd.series.filter((series) => series.metric === 'twitter.followers_count')).toHaveLength(4)
    } finally {
      await Promise.all([x.close(), dd.close()])
    }
  })

  test.each([
    ['before its look', 'look'],
    ['between its look and its conditional write, which S3 then refuses (412)', 'look and save']
  ] as const)('two Lambda runs overlapping, the other saving %s: the later keeps what the other saved, in one line', async (_name, between) => {
    const [x, dd] = await Promise.all([startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) }), startDatadogStandIn()])
    try {
      const key = `overlap/${between.replace(/ /g, '-')}.json`
      const outcome = await overlappingRuns({ x, dd, storeOf: () => storeAt(aws.url, 'states', key), between })
      expectBothRunsKept(outcome, storeAt(aws.url, 'states', key))
      expect(outcome.a.warnings[0]).toMatch(
        /; its \d+ undelivered series are kept for the next run, and its accounts' values with this run's\. To keep runs from overlapping, keep the stack's Timeout \(seconds\) shorter than its Frequency \(minutes\), so that a run ends before the next starts \(docs\/state\.md\)\.$/
      )
    } finally {
      await Promise.all([x.close(), dd.close()])
    }
  })

  test('a look at an object nobody changed costs no download (If-None-Match: 304), and a save over a changed one is a conflict', async () => {
    await storeAt(aws.url, 'states', 'etag.json').save(Buffer.from('{"run":1}'))
    const mine = storeAt(aws.url, 'states', 'etag.json')
    expect(text(await mine.load())).toBe('{"run":1}')
    expect(await mine.newer()).toBeUndefined()
    await storeAt(aws.url, 'states', 'etag.json').save(Buffer.from('{"run":2}'))
    await expect(mine.save(Buffer.from('{"run":3}'))).rejects.toThrow(StateConflictError)
    expect(text(await mine.newer())).toBe('{"run":2}')
    await mine.save(Buffer.from('{"run":3}'))
    expect(text(await storeAt(aws.url, 'states', 'etag.json').load())).toBe('{"run":3}')
    // No object when this run looked: a save finds the one another run created meanwhile (If-None-Match: *).
    const first = storeAt(aws.url, 'states', 'created.json')
    expect(await first.load()).toBeUndefined()
    await storeAt(aws.url, 'states', 'created.json').save(Buffer.from('{"other":true}'))
    await expect(first.save(Buffer.from('{"mine":true}'))).rejects.toThrow(StateConflictError)
    expect(text(await first.newer())).toBe('{"other":true}')
  })

  test('a bucket that does not exist is one StateStoreError saying so', async () => {
    const store = storeAt(aws.url, 'no-such-states', 'state.json')
    await expect(store.load()).rejects.toThrow(
      /^The state s3:\/\/no-such-states\/state\.json could not be read \(the bucket "no-such-states" does not exist: correct STATE .*\); this run saves none, so the next run reads the state saved before\.$/
    )
  })

  test('an object larger than a state is damaged: one StateStoreError, and the run’s save replaces it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'states', Key: 'huge.json', Body: Buffer.alloc(MAX_STATE_BYTES + 1, 0x20) }))
    const store = storeAt(aws.url, 'states', 'huge.json')
    const error = await store.load().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(
      /^The state s3:\/\/states\/huge\.json is damaged \(8,388,609 bytes, more than a state's 8,388,608\); this run saves a new one in its place\.$/
    )
    await store.save(Buffer.from('{"fresh":true}'))
    expect(text(await storeAt(aws.url, 'states', 'huge.json').load())).toBe('{"fresh":true}')
  })
})

describe('the state in an S3 object, when S3 refuses or does not answer', () => {
  let server: Server
  let url: string
  let answer: (req: IncomingMessage, res: ServerResponse) => void
  const requests: string[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.method ?? '')
      req.resume()
      req.on('end', () => answer(req, res))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(() => {
    requests.length = 0
    server.closeAllConnections()
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })
  const s3Error = (status: number, code: string, message: string) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/xml' })
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`)
  }

  test('access denied names the permissions the role needs and why a first run may see it; a refused save is not reported again', async () => {
    answer = s3Error(403, 'AccessDenied', 'Access Denied')
    const store = storeAt(url, 'states', 'team/state.json')
    const error = await store.load().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(
      /^The state s3:\/\/states\/team\/state\.json could not be read \(access denied: the function's role needs s3:GetObject and s3:PutObject on arn:aws:s3:::states\/team\/state\.json .*does not exist yet .*the run creates the object\. S3 said: Access Denied\)\.$/
    )
    // The save is tried (a first run's object may only be missing), and its refusal is the same news: not said twice.
    await expect(store.save(Buffer.from('{}'))).resolves.toBeUndefined()
    expect(requests).toEqual(['GET', 'PUT'])
  })

  test('a Lambda run whose state is denied logs one warning and delivers its data', async () => {
    answer = s3Error(403, 'AccessDenied', 'Access Denied')
    const [x, dd] = await Promise.all([startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) }), startDatadogStandIn()])
    try {
      const lines = await lambdaRun(url, 's3://states/denied.json', x, dd)
      const warnings = lines.filter((line) => line.level !== 'info')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({
        level: 'warning',
        message: expect.stringMatching(/^The state s3:\/\/states\/denied\.json could not be read \(access denied: /)
      })
      expect(dd.series.filter((series) => series.metric === 'twitter.followers_count')).toHaveLength(2)
    } finally {
      await Promise.all([x.close(), dd.close()])
    }
  })

  test('a refused save after a good load is one StateStoreError saying the state saved before stays the next run’s', async () => {
    answer = s3Error(404, 'NoSuchKey', 'The specified key does not exist.')
    const store = storeAt(url, 'states', 'state.json')
    expect(await store.load()).toBeUndefined()
    answer = s3Error(403, 'AccessDenied', 'Access Denied')
    await expect(store.save(Buffer.from('{}'))).rejects.toThrow(
      /^The state s3:\/\/states\/state\.json could not be saved \(access denied: .*\); the next run reads the state saved before this one\.$/
    )
  })

  test.each([
    ['never answers', (): void => undefined],
    ['answers 503 for as long as it is asked', s3Error(503, 'SlowDown', 'Please reduce your request rate.')]
  ])('a server that %s: the load gives up within its budget, and no save overwrites the state saved before', async (_name, behaviour) => {
    answer = behaviour
    const store = storeAt(url, 'states', 'state.json', 300)
    const started = Date.now()
    const error = await store.load().catch((caught: unknown) => caught)
    // At its budget of 0.3 s, with room for a loaded machine: without the budget a silent server holds the load for good.
    expect(Date.now() - started).toBeLessThan(2_500)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(
      /^The state s3:\/\/states\/state\.json could not be read \(.+\); this run saves none, so the next run reads the state saved before\.$/
    )
    const asked = requests.length
    await store.save(Buffer.from('{}'))
    expect(requests).toHaveLength(asked)
  })
})
