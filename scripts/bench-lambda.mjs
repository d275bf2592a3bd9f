#!/usr/bin/env node
/**
 * Measures the Lambda handler from build/lambda (npm run package:lambda first): peak RSS and time of
 * a cold and a warm invocation, against local X and Datadog servers on 127.0.0.1, to size the
 * function's memory. Usage: node scripts/bench-lambda.mjs [--runs 3] [--bare] [accounts...]   (default: 3 100 1000)
 *
 * As the stack deploys it: the keys in a Secrets Manager secret (SECRET_ID) and the state in S3 (STATE), both on a
 * local stand-in (scripts/bench-aws-stand-in.mjs) through AWS_ENDPOINT_URL. Each process starts from the state of a
 * function that has run for nine days (every account with its last values and nine daily snapshots, the most a state
 * keeps), reads it and writes it back on every invocation. --bare: the keys in the environment and no state, as
 * before the stack kept one.
 *
 * Each size runs in --runs fresh processes (one execution environment each); the median of each figure is printed.
 * docs/benchmarks.md records the figures, and the template's MemorySize description quotes them (a test compares).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startAwsStandIn } from './bench-aws-stand-in.mjs'
import { matureState } from './bench-state.mjs'

const handlerFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'lambda', 'index.js')

if (process.env.BENCH_CHILD) {
  // The child: one process, like one Lambda execution environment.
  const { handler } = await import(pathToFileURL(handlerFile).href)
  const runs = []
  for (const name of ['cold', 'warm']) {
    const started = performance.now()
    const result = await handler({}, { awsRequestId: name, getRemainingTimeInMillis: () => 120_000 })
    runs.push({ name, ms: Math.round(performance.now() - started), result })
  }
  process.send({ runs, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })
  process.exit(0)
}

if (!existsSync(handlerFile)) {
  console.error('bench-lambda: build/lambda/index.js is missing; run npm run package:lambda first.')
  process.exit(1)
}

async function listen(handle) {
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => handle(req, res))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${server.address().port}` }
}

// X API v2 GET /2/users/by and Datadog POST /api/v2/series, answering as their docs describe.
const x = await listen((req, res) => {
  const names = (new URL(req.url, 'http://x').searchParams.get('usernames') ?? '').split(',')
  const data = names.map((username, i) => ({
    id: String(i),
    name: username,
    username,
    public_metrics: { followers_count: i, following_count: i, tweet_count: i, listed_count: i, like_count: i, media_count: i }
  }))
  res.writeHead(200, { 'content-type': 'application/json', 'x-rate-limit-remaining': '899', 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 900) })
  res.end(JSON.stringify({ data }))
})
const dd = await listen((req, res) => {
  res.writeHead(202, { 'content-type': 'application/json' })
  res.end('{"errors":[]}')
})

/** Target (issue 22): a cold and a warm run of 10,000 accounts in one process under this peak. */
const TARGET = { accounts: 10_000, peakMb: 160 }
const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, bare: { type: 'boolean', default: false } },
  allowPositionals: true
})
const runs = Number(values.runs)
const sizes = positionals.map(Number)
const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]

const SECRET_ID = 'twitter-stats-bench'
const keys = { X_BEARER_TOKEN: 'bench-token', DATADOG_API_KEY: 'bench-key' }
const aws = values.bare ? undefined : await startAwsStandIn({ [SECRET_ID]: JSON.stringify(keys) })
const STATE_PATH = '/twitter-stats-bench/twitter-stats/state.json'
const where = aws
  ? {
      SECRET_ID,
      STATE: `s3:/${STATE_PATH}`,
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench'
    }
  : keys

/** One execution environment: a fresh process, a cold and a warm invocation. */
async function measure(size) {
  const accounts = Array.from({ length: size }, (_, i) => `user_${i}`).join(',')
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    // stderr kept back (the SDK warns about Node versions) and shown if the process fails.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { PATH: process.env.PATH, BENCH_CHILD: '1', ACCOUNTS: accounts, X_API_URL: x.url, DATADOG_SITE: dd.url, ...where }
  })
  const stderr = []
  child.stderr.on('data', (chunk) => stderr.push(chunk))
  const report = await new Promise((resolve, reject) => {
    child.on('message', resolve)
    child.on('exit', (code) => code !== 0 && reject(new Error(`bench child exited ${code}:\n${stderr.join('')}`)))
  })
  const [cold, warm] = report.runs
  if (aws && !aws.objects.has(STATE_PATH)) throw new Error('bench-lambda: the function saved no state')
  return { cold: cold.ms, warm: warm.ms, series: cold.result.seriesSent, peakMb: report.maxRssMb }
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')
console.log(`load average before: ${load()}`)
console.log(
  `node ${process.version}, ${runs} process(es) per size, median of each figure; ${aws ? 'keys in a Secrets Manager secret, the state in S3 (stand-ins), as the stack deploys it' : '--bare: keys in the environment, no state'}`
)
console.log('accounts | cold ms | warm ms | series sent | peak RSS MB')
const peaks = new Map()
for (const size of sizes.length > 0 ? sizes : [3, 100, 1000]) {
  const measured = []
  for (let i = 0; i < runs; i++) {
    if (aws) aws.objects.set(STATE_PATH, { bytes: matureState(Array.from({ length: size }, (_, i) => `user_${i}`)), etag: '"nine-days"' })
    measured.push(await measure(size))
  }
  const of = (key) => median(measured.map((m) => m[key]))
  peaks.set(size, of('peakMb'))
  console.log(`${size} | ${of('cold')} | ${of('warm')} | ${of('series')} | ${of('peakMb')}`)
}
if (peaks.has(TARGET.accounts)) {
  const peak = peaks.get(TARGET.accounts)
  console.log(
    `${TARGET.accounts} accounts, cold and warm in one process: peak RSS ${peak} MB (target under ${TARGET.peakMb} MB) ${peak < TARGET.peakMb ? 'ok' : 'MISSED'}`
  )
}
console.log(`load average after: ${load()}`)
x.server.close()
dd.server.close()
aws?.close()
