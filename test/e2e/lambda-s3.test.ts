/**
 * The Lambda's account list from an S3 object (ACCOUNTS_S3_URI): read on every run, merged with ACCOUNTS,
 * every failure explained; in process against moto's S3 and an S3 stand-in, then the release zip reading
 * 5,000 accounts from moto against the local stand-ins.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { PutObjectCommand, S3Client, CreateBucketCommand } from '@aws-sdk/client-s3'
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { parseAccountLists } from '../../src/config/accounts.js'
import type { HttpDeps } from '../../src/http/send.js'
import { MAX_ACCOUNTS_OBJECT_BYTES, s3ObjectReader, type ReadObject } from '../../src/lambda/accounts-s3.js'
import { runLambda, type LambdaDeps, type LambdaResult } from '../../src/lambda/handler.js'
import { lambdaZip, useMoto, toolsAvailable, unpackZip, type Moto } from '../support/moto.js'
import { ROOT } from '../support/root.mjs'
import { startBlueskyStandIn, startMastodonStandIn, type BlueskyProfile, type MastodonAccount } from '../support/network-stand-ins.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn, type XUser } from '../support/stand-ins.js'
import type { StandIn } from '../support/stand-ins.js'

const http: HttpDeps = { fetch: (input, init) => globalThis.fetch(input, init), sleep: async () => {}, random: () => 0.5, now: Date.now }
const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' }

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

function bluesky(count: number): BlueskyProfile[] {
  const did = (i: number): string => `did:plc:${'a'.repeat(20)}${[15, 10, 5, 0].map((shift) => BASE32[(i >> shift) & 31]).join('')}`
  return Array.from({ length: count }, (_, i) => ({ did: did(i), handle: `user${i}.bsky.social`, followersCount: 100 + i, followsCount: 10, postsCount: 1 }))
}

function mastodon(count: number): MastodonAccount[] {
  return Array.from({ length: count }, (_, i) => ({ username: `m${i}`, followers_count: 300 + i, following_count: 30, statuses_count: 3 }))
}

const moto = toolsAvailable(['moto_server', 'python3'], "the Lambda's S3 account list against moto (test/e2e/lambda-s3.test.ts)")
;(moto ? describe : describe.skip)('the account list in S3', () => {
  let aws: Moto
  let s3: S3Client
  let read: ReadObject
  let x: XStandIn
  let bsky: StandIn
  let masto: StandIn
  let dd: DatadogStandIn
  let lines: string[]

  async function put(key: string, body: string | Uint8Array, bucket = 'lists'): Promise<string> {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
    return `s3://${bucket}/${key}`
  }

  function deps(env: Record<string, string>, reader: ReadObject = read): LambdaDeps {
    return {
      env: { X_API_URL: x.url, BLUESKY_API_URL: bsky.url, MASTODON_API_URL: masto.url, DATADOG_SITE: dd.url, DATADOG_API_KEY: DD_KEY, ...env },
      http,
      fetchSecret: async () => JSON.stringify({}),
      readObject: reader,
      write: (line) => lines.push(line)
    }
  }

  /** Who was sent, in order: the account tag, or for Mastodon the instance (whose account tag is changing form). */
  const sent = (): string[] =>
    dd.series
      .filter((s) => s.metric === 'twitter.followers_count')
      .map((s) =>
        s.tags.includes('network:mastodon') ? `mastodon ${s.tags.find((t) => t.startsWith('instance:'))}` : s.tags.find((t) => t.startsWith('account:'))!
      )

  beforeAll(async () => {
    aws = await useMoto()
    s3 = new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: 'lists' }))
    read = s3ObjectReader({ endpoint: aws.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true })
  }, 60_000)
  afterAll(async () => {
    s3?.destroy()
    await aws?.stop()
  })
  beforeEach(async () => {
    lines = []
    x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
    bsky = await startBlueskyStandIn(bluesky(3))
    masto = await startMastodonStandIn(mastodon(2))
    dd = await startDatadogStandIn()
  })
  afterEach(async () => {
    await Promise.all([x.close(), bsky.close(), masto.close(), dd.close()])
  })

  test('the object is merged with ACCOUNTS, comments and blank lines ignored, each account collected once, no X credentials needed without X accounts', async () => {
    const uri = await put('team/accounts.txt', '\uFEFF# the team\nuser0.bsky.social  user1.bsky.social # two on a line\n\nm0@one.social\r\nUSER0.bsky.social\n')
    const result = await runLambda(deps({ ACCOUNTS: 'user0.bsky.social;user2.bsky.social', ACCOUNTS_S3_URI: uri }))
    expect(result).toMatchObject({ collected: 4, failed: 0 })
    expect(sent().sort()).toEqual(['account:user0.bsky.social', 'account:user1.bsky.social', 'account:user2.bsky.social', 'mastodon instance:one.social'])
    expect(x.requests).toHaveLength(0)
  })

  test('the object is read on every run, so an edited list applies at the next warm run', async () => {
    const uri = await put('edited.txt', 'user0.bsky.social\n')
    await runLambda(deps({ ACCOUNTS_S3_URI: uri }))
    await put('edited.txt', 'user1.bsky.social\nm1@two.social\n')
    await runLambda(deps({ ACCOUNTS_S3_URI: uri }))
    expect(sent()).toEqual(['account:user0.bsky.social', 'account:user1.bsky.social', 'mastodon instance:two.social'])
  })

  test('X accounts in the object without X credentials stop the run before any request, naming them', async () => {
    const uri = await put('with-x.txt', 'user0.bsky.social\njack\nnasa\n')
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: uri }))).rejects.toThrow(/X credentials are missing for the X accounts in the list \(jack, nasa\)/)
    expect([...x.requests, ...bsky.requests, ...dd.requests]).toHaveLength(0)
    // With a token, the same list runs.
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: uri, X_BEARER_TOKEN: X_TOKEN }))).resolves.toMatchObject({ collected: 3, failed: 0 })
  })

  test('with neither ACCOUNTS nor ACCOUNTS_S3_URI, or a URI that is not s3://bucket/key, nothing is requested and the message says what to set', async () => {
    let reads = 0
    const counting: ReadObject = async (location, max) => (reads++, read(location, max))
    await expect(runLambda(deps({}, counting))).rejects.toThrow(
      /no accounts to collect: set ACCOUNTS \(the stack parameter Accounts\).*or ACCOUNTS_S3_URI \(AccountsS3Uri\)/
    )
    for (const [uri, why] of [
      ['https://lists.s3.amazonaws.com/a.txt', 'is not an S3 URI: use the form s3://bucket/key'],
      ['s3://Lists_2/a.txt', 'names the bucket "Lists_2", which is not an S3 bucket name'],
      ['s3://lists/team/', 'names no object']
    ] as const) {
      await expect(runLambda(deps({ ACCOUNTS_S3_URI: uri }, counting))).rejects.toThrow(why)
    }
    expect(reads).toBe(0)
    expect(dd.requests).toHaveLength(0)
  })

  test('a missing object, a missing bucket, and a failing secret are reported together, each with what to do', async () => {
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: 's3://lists/nothing-here.txt' }))).rejects.toThrow(
      'the account list s3://lists/nothing-here.txt (ACCOUNTS_S3_URI (the stack parameter AccountsS3Uri)) does not exist: upload it (aws s3 cp accounts.txt s3://lists/nothing-here.txt), or correct the URI.'
    )
    const both = runLambda({
      ...deps({ ACCOUNTS_S3_URI: 's3://no-such-bucket/a.txt', SECRET_ID: 'twitter-stats/missing' }),
      fetchSecret: async () => JSON.stringify('not an object')
    })
    await expect(both).rejects.toThrow(/secret "twitter-stats\/missing" must be a JSON object.*in the bucket "no-such-bucket", which does not exist/s)
  })

  test('an object that is too large, compressed or not text is refused, saying what to upload', async () => {
    const big = await put('big.txt', Buffer.alloc(MAX_ACCOUNTS_OBJECT_BYTES + 1, 'a'))
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: big }))).rejects.toThrow(
      'the account list s3://lists/big.txt is 4,194,305 bytes; an account list is at most 4,194,304 bytes'
    )
    const gz = await put('accounts.txt.gz', gzipSync('user0.bsky.social\n'))
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: gz }))).rejects.toThrow(
      'the account list s3://lists/accounts.txt.gz is gzip-compressed: upload a plain UTF-8 text file'
    )
    const latin1 = await put('latin1.txt', Buffer.from('caf\xe9.bsky.social\n', 'latin1'))
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: latin1 }))).rejects.toThrow('is not UTF-8 text')
    const binary = await put('binary.txt', Buffer.from('user0.bsky.social\u0000\u0001'))
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: binary }))).rejects.toThrow('is binary (it contains NUL bytes)')
    const empty = await put('empty.txt', '# nobody yet\n')
    await expect(runLambda(deps({ ACCOUNTS_S3_URI: empty }))).rejects.toThrow('s3://lists/empty.txt is empty: list at least one account')
    expect(dd.requests).toHaveLength(0)
  })
})

test("docs/lambda.md's example list is a valid account list, one of each network", () => {
  const readme = readFileSync(join(ROOT, 'docs', 'lambda.md'), 'utf8')
  const example = /## The account list in S3[\s\S]*?cat > accounts\.txt <<'LIST'\n([\s\S]*?)\nLIST\n/.exec(readme)
  expect(example).not.toBeNull()
  const accounts = parseAccountLists([{ source: 's3://my-lists/twitter-stats/accounts.txt', text: example![1]!, file: true }])
  expect(accounts.map((a) => a.network)).toEqual(['x', 'bluesky', 'mastodon'])
})

/** An S3 endpoint on 127.0.0.1 that answers GetObject as `answer` says. */
async function startS3StandIn(answer: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => answer(res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('S3 answers the emulator does not give', () => {
  const location = { bucket: 'lists', key: 'team/accounts.txt', uri: 's3://lists/team/accounts.txt' }
  const reader = (url: string): ReadObject =>
    s3ObjectReader({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 })
  const runWith = (readObject: ReadObject): Promise<LambdaResult> =>
    runLambda({ env: { ACCOUNTS_S3_URI: location.uri, DRY_RUN: 'true' }, http, fetchSecret: async () => '{}', readObject, write: () => {} })

  test('access denied names the permission the role needs, and that S3 says the same for a missing key', async () => {
    const s3 = await startS3StandIn((res) => {
      res.writeHead(403, { 'content-type': 'application/xml' })
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>')
    })
    try {
      const run = runWith(reader(s3.url))
      await expect(run).rejects.toThrow(
        /may not read the account list s3:\/\/lists\/team\/accounts\.txt .*needs s3:GetObject on arn:aws:s3:::lists\/team\/accounts\.txt.*also answers "access denied" for an object that does not exist.*S3 said: Access Denied/s
      )
    } finally {
      s3.server.close()
    }
  })

  test('a body without a length is cut at the cap while it streams', async () => {
    let sent = 0
    const s3 = await startS3StandIn((res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' })
      const chunk = Buffer.alloc(64 * 1024, 'a')
      const more = (): void => {
        // An endless list: only the reader's cap ends it.
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length
        if (sent < 64 * 1024 * 1024) res.once('drain', more)
        else res.end()
      }
      res.on('close', () => res.removeAllListeners('drain'))
      more()
    })
    try {
      await expect(runWith(reader(s3.url))).rejects.toThrow('is more than 4,194,304 bytes; an account list is at most 4,194,304 bytes')
      expect(sent).toBeLessThan(16 * 1024 * 1024)
    } finally {
      s3.server.closeAllConnections()
      s3.server.close()
    }
  })
})

const RUNNER = `
import { pathToFileURL } from 'node:url'
const { handler } = await import(pathToFileURL(process.env.HANDLER_FILE).href)
try {
  const value = await handler({ source: 'aws.events' }, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 120000 })
  process.stderr.write('RESULT ' + JSON.stringify({ ok: true, value }) + '\\n')
} catch (error) {
  process.stderr.write('RESULT ' + JSON.stringify({ ok: false, message: error.message }) + '\\n')
}
`

const zip = toolsAvailable(['moto_server', 'python3'], 'the release zip reading its list from moto S3 (test/e2e/lambda-s3.test.ts)')
;(zip ? describe : describe.skip)('the release zip with 5,000 accounts in S3', () => {
  const X_COUNT = 3_000
  const BLUESKY_COUNT = 1_900
  const MASTODON_COUNT = 100
  let aws: Moto
  let dir: string

  beforeAll(async () => {
    aws = await useMoto()
    dir = unpackZip(await lambdaZip(), aws.python)
    const s3 = new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true })
    const entries = [
      '# 5,000 accounts, every network',
      ...Array.from({ length: X_COUNT }, (_, i) => `x_user_${i}`),
      ...bluesky(BLUESKY_COUNT).map((p) => p.handle),
      ...mastodon(MASTODON_COUNT).map((m, i) => `${m.username}@instance${i % 10}.social`)
    ]
    await s3.send(new CreateBucketCommand({ Bucket: 'team-lists' }))
    await s3.send(new PutObjectCommand({ Bucket: 'team-lists', Key: 'twitter-stats/accounts.txt', Body: `${entries.join('\n')}\n` }))
    s3.destroy()
    const secrets = new SecretsManagerClient({ endpoint: aws.url, region: 'us-east-1', credentials: TEST_CREDENTIALS })
    await secrets.send(
      new CreateSecretCommand({ Name: 'twitter-stats/s3-test', SecretString: JSON.stringify({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }) })
    )
    secrets.destroy()
  }, 120_000)
  afterAll(async () => {
    await aws?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('reads the object from S3 and the secret from Secrets Manager, and sends every account', async () => {
    const users: Record<string, XUser> = Object.fromEntries(Array.from({ length: X_COUNT }, (_, i) => [`x_user_${i}`, metricsFor(i)]))
    const [x, bsky, masto, dd] = await Promise.all([
      startXStandIn(users),
      startBlueskyStandIn(bluesky(BLUESKY_COUNT)),
      startMastodonStandIn(mastodon(MASTODON_COUNT)),
      startDatadogStandIn()
    ])
    try {
      // Only what Lambda would set, and the endpoints of the stand-ins.
      const env = {
        PATH: process.env.PATH ?? '',
        ...aws.env,
        HANDLER_FILE: join(dir, 'index.js'),
        SECRET_ID: 'twitter-stats/s3-test',
        ACCOUNTS: 'x_user_0, user0.bsky.social',
        ACCOUNTS_S3_URI: 's3://team-lists/twitter-stats/accounts.txt',
        X_API_URL: x.url,
        BLUESKY_API_URL: bsky.url,
        MASTODON_API_URL: masto.url,
        DATADOG_SITE: dd.url
      }
      const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], { cwd: dir, env })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      expect([code, stderr.match(/^RESULT (.*)$/m)?.[1]]).toEqual([0, expect.stringMatching(/^\{"ok":true/)])
      const result = JSON.parse(stderr.match(/^RESULT (.*)$/m)![1]!) as { value: LambdaResult }
      expect(result.value).toEqual({ collected: 5_000, failed: 0, seriesSent: dd.series.length })
      expect(x.requests).toHaveLength(X_COUNT / 100)
      const followers = dd.series.filter((s) => s.metric === 'twitter.followers_count')
      expect(followers).toHaveLength(5_000)
      expect(followers.find((s) => s.tags.includes('account:x_user_2999'))!.points[0]!.value).toBe(metricsFor(2999).followers_count)
      expect(followers.find((s) => s.tags.includes('account:user1899.bsky.social'))!.points[0]!.value).toBe(100 + 1899)
      expect(stdout + stderr).not.toContain(X_TOKEN)
      expect(stdout + stderr).not.toContain(DD_KEY)
    } finally {
      await Promise.all([x.close(), bsky.close(), masto.close(), dd.close()])
    }
  }, 120_000)
})
