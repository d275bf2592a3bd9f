#!/usr/bin/env node
/**
 * npm run bench: runs the BUILT command line (dist/cli.js, spawned as a user would) against local
 * stand-ins for X and Datadog on 127.0.0.1 that answer like the real APIs after a set latency, and
 * prints requests, bytes, wall time, CPU, peak RSS and start-up time per account count. Beside each
 * run it measures a floor in the same conditions: scripts/bench-floor.mjs, a bare script that makes
 * the same requests and builds the same gzip bodies and nothing else, so the ratio says what the
 * program costs beyond the work itself, whatever the machine's load.
 *
 *   npm run bench -- [--latency 50] [--sizes 100,1000,10000] [--concurrency 8] [--runs 1] [--cli dist/cli.js]
 *
 * --cli runs another build (for example a copy of dist/ from another branch) to compare two designs.
 *
 * Plain Node, no TypeScript runtime: build first with npm run bundle.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { setInterval, clearInterval } from 'node:timers'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { matureState } from './bench-state.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const X_TOKEN = 'bench-x-token'
const DD_KEY = 'bench-dd-key'
/** Metrics the X stand-in returns per account (all six public_metrics we map). */
const METRICS_PER_ACCOUNT = 6

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '50' },
    sizes: { type: 'string', default: '100,1000,10000' },
    // The CLI's default (src/config/settings.ts); passed to both the CLI and the floor so they keep the same number in flight.
    concurrency: { type: 'string', default: '8' },
    runs: { type: 'string', default: '1' },
    cli: { type: 'string' }
  }
})
const latency = Number(values.latency)
const sizes = values.sizes.split(',').map(Number)
const runs = Number(values.runs)
const CLI = values.cli ? resolve(values.cli) : join(ROOT, 'dist', 'cli.js')
const FLOOR = join(ROOT, 'scripts', 'bench-floor.mjs')
/**
 * Targets for 10,000 accounts at 50 ms per request (issue 22: the ratios to the floor; issue 12: the RSS), for dist/ (issue 20:
 * under 3 MB with the cache client), and for a run that keeps its state in a file against one without (issue 20).
 */
const TARGETS = { wallOverFloor: 1.25, rssOverFloor: 1.4, rssMb: 160, distMb: 3, stateWallOverNone: 1.1 }

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run bundle first.`)
  process.exit(2)
}

function listen(handler) {
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const answer = handler(req, Buffer.concat(chunks))
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        res.end(answer.body)
      }, latency)
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })))
}

/** X API v2 GET /2/users/by: at most 100 usernames, data with public_metrics, rate-limit headers. */
function xHandler(stats) {
  return (req) => {
    stats.firstRequestAt ??= performance.now()
    stats.requests++
    const url = new URL(req.url, 'http://127.0.0.1')
    if (req.headers.authorization !== `Bearer ${X_TOKEN}`)
      return { status: 401, body: JSON.stringify({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }) }
    const list = /^\/2\/lists\/(\d{1,19})\/members$/.exec(url.pathname)
    if (list) return listMembersPage(stats, url)
    if (url.pathname !== '/2/users/by')
      return { status: 404, body: JSON.stringify({ title: 'Not Found', type: 'about:blank', status: 404, detail: 'Not Found' }) }
    const names = (url.searchParams.get('usernames') ?? '').split(',').filter(Boolean)
    if (names.length < 1 || names.length > 100) {
      return {
        status: 400,
        body: JSON.stringify({
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
          errors: [{ message: `The number of values in the \`usernames\` query parameter list [${names.length}] is not between 1 and 100` }]
        })
      }
    }
    stats.accountsAsked += names.length
    const data = names.map((username, i) => ({
      // The same id for the same username in every run, as X keeps it.
      id: String(10_000_000 + [...username].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % 1_000_000_000, 0)),
      name: username.toUpperCase(),
      username,
      public_metrics: {
        followers_count: 1000 + i,
        following_count: 100 + i,
        tweet_count: 5000 + i,
        listed_count: 10 + i,
        like_count: 200 + i,
        media_count: 30 + i
      }
    }))
    const reset = Math.floor(Date.now() / 1000) + 900
    return {
      status: 200,
      headers: { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': String(Math.max(0, 900 - stats.requests)), 'x-rate-limit-reset': String(reset) },
      body: JSON.stringify({ data })
    }
  }
}

/** How many members the bench's X List has: X's own limit for a list. */
const LIST_MEMBERS = 5000

/**
 * X API v2 GET /2/lists/:id/members (xdevplatform/xdk specs/openapi.json): at most max_results (100) users a page
 * with their public_metrics, and meta.next_token while more follow, given back as pagination_token.
 */
function listMembersPage(stats, url) {
  stats.listRequests = (stats.listRequests ?? 0) + 1
  const size = Math.min(100, Number(url.searchParams.get('max_results') ?? 100))
  const start = Number(/^page-(\d+)$/.exec(url.searchParams.get('pagination_token') ?? '')?.[1] ?? 0)
  const data = Array.from({ length: Math.max(0, Math.min(size, LIST_MEMBERS - start)) }, (_, i) => {
    const n = start + i
    return {
      id: String(20_000_000 + n),
      name: `Member ${n}`,
      username: `m${n}`,
      public_metrics: { followers_count: n, following_count: 1, tweet_count: 2, listed_count: 3, like_count: 4, media_count: 5 }
    }
  })
  const meta = { result_count: data.length, ...(start + size < LIST_MEMBERS ? { next_token: `page-${start + size}` } : {}) }
  return { status: 200, headers: { 'x-rate-limit-remaining': '899' }, body: JSON.stringify({ data, meta }) }
}

/** Datadog POST /api/v2/series: DD-API-KEY, gzip body of at most 512,000 bytes and less than 5 MiB decompressed, 202. */
function datadogHandler(stats) {
  return (req, raw) => {
    stats.requests++
    stats.bytes += raw.length
    if (req.method !== 'POST' || req.url !== '/api/v2/series') return { status: 404, body: JSON.stringify({ errors: ['Not found'] }) }
    if (req.headers['dd-api-key'] !== DD_KEY) return { status: 403, body: JSON.stringify({ errors: ['Forbidden'] }) }
    if (raw.length > 512_000) return { status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) }
    let text
    try {
      text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString()
    } catch {
      return { status: 400, body: JSON.stringify({ errors: ['Unable to decompress payload'] }) }
    }
    stats.rawBytes += Buffer.byteLength(text)
    if (Buffer.byteLength(text) >= 5_242_880) return { status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) }
    const series = JSON.parse(text).series
    if (!Array.isArray(series)) return { status: 400, body: JSON.stringify({ errors: ['series is required'] }) }
    // The accounts' own series; the collector's self-monitoring series, where the build sends them, are not counted.
    stats.series += series.filter((s) => s.tags?.some((tag) => tag.startsWith('account:'))).length
    return { status: 202, body: JSON.stringify({ errors: [] }) }
  }
}

/** Peak RSS from /usr/bin/time when present; otherwise the child's VmHWM polled from /proc. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** Runs the CLI (`floor` false) or the floor script once for `accounts` accounts; throws unless every account arrived. */
async function runOnce(accounts, x, dd, floor = false, extraArgs = [], accountsText = undefined) {
  const xStats = { requests: 0, accountsAsked: 0, firstRequestAt: undefined }
  const ddStats = { requests: 0, bytes: 0, rawBytes: 0, series: 0 }
  x.stats = xStats
  dd.stats = ddStats
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-bench-'))
  const rssFile = join(dir, 'rss')
  // The default output (the table on stdout), as a user would run it; its last line says what was collected and sent.
  const args = floor
    ? [FLOOR, x.url, dd.url, String(accounts), values.concurrency]
    : [CLI, '--x-api-url', x.url, '--datadog-site', dd.url, '--concurrency', values.concurrency, ...extraArgs]
  const command = TIME ? [TIME, '-f', '%M %U %S', '-o', rssFile, process.execPath, ...args] : [process.execPath, ...args]
  const env = {
    PATH: process.env.PATH,
    X_BEARER_TOKEN: X_TOKEN,
    DATADOG_API_KEY: DD_KEY,
    ACCOUNTS: accountsText ?? Array.from({ length: accounts }, (_, i) => `u${i}`).join(',')
  }

  const started = performance.now()
  const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let polledKb = 0
  const poll = TIME
    ? undefined
    : setInterval(() => {
        try {
          const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          if (hwm) polledKb = Math.max(polledKb, Number(hwm[1]))
        } catch {
          // the child has exited
        }
      }, 5)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => child.on('close', resolve))
  const wall = performance.now() - started
  if (poll) clearInterval(poll)
  // /usr/bin/time: peak RSS in KB, then user and system CPU seconds (CPU time holds still on a busy machine; wall time does not).
  const [rssKb, user, system] = TIME ? readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [polledKb, NaN, NaN]
  rmSync(dir, { recursive: true, force: true })
  if (code !== 0) throw new Error(`${floor ? 'the floor' : 'the CLI'} exited ${code} for ${accounts} accounts:\n${stderr.slice(-2000)}`)
  const collected = Number(/^(\d+) collected, 0 failed/m.exec(stdout)?.[1])
  if (collected !== accounts || ddStats.series !== accounts * METRICS_PER_ACCOUNT) {
    throw new Error(`incomplete run for ${accounts} accounts: ${collected} collected, ${ddStats.series} series received:\n${stdout.slice(-300)}`)
  }
  return {
    accounts,
    xRequests: xStats.requests,
    xListRequests: xStats.listRequests ?? 0,
    ddRequests: ddStats.requests,
    ddMinimum: Math.max(Math.ceil(ddStats.rawBytes / (5_242_880 - 1)), Math.ceil(ddStats.bytes / 512_000)),
    bytes: ddStats.bytes,
    wall,
    cpu: (user + system) * 1000,
    rssMb: rssKb / 1024,
    startup: xStats.firstRequestAt - started
  }
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (row) => `| ${row.map((cell, i) => String(cell).padStart(widths[i])).join(' | ')} |`
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

function distSize() {
  const dir = dirname(CLI)
  return readdirSync(dir).reduce((total, name) => total + statSync(join(dir, name)).size, 0)
}

const x = await listen((req, raw) => xHandler(x.stats)(req, raw))
const dd = await listen((req, raw) => datadogHandler(dd.stats)(req, raw))
/** How long Node itself takes to start and exit right now: the floor under every start-up figure. */
async function bareNodeStart() {
  const started = performance.now()
  await new Promise((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('close', resolve))
  return performance.now() - started
}

const loadBefore = loadavg()
const bare = []
for (let i = 0; i < 5; i++) bare.push(await bareNodeStart())
const medianOf = (samples) => ({
  ...samples.at(-1),
  wall: median(samples.map((s) => s.wall)),
  rssMb: median(samples.map((s) => s.rssMb)),
  cpu: median(samples.map((s) => s.cpu)),
  startup: median(samples.map((s) => s.startup))
})
const results = []
for (const accounts of sizes) {
  const cli = []
  const floor = []
  // Interleaved, so the CLI and its floor see the same load on a shared machine.
  for (let i = 0; i < runs; i++) {
    cli.push(await runOnce(accounts, x, dd))
    floor.push(await runOnce(accounts, x, dd, true))
  }
  // Each ratio is the median of the runs' own ratios: a CLI run against the floor run next to it, under the same load.
  const ratio = (key) => median(cli.map((run, i) => run[key] / floor[i][key]))
  results.push({ ...medianOf(cli), floor: medianOf(floor), wallRatio: ratio('wall'), rssRatio: ratio('rssMb') })
}

// The state (issue 20): a run that reads and writes its state file (the CLI's --state, the same code as every store) beside
// one without, interleaved. The file starts as the state of nine days of runs, the largest a state gets (and the one every
// run reads after a week); each run writes it back as large.
const stateAccounts = Math.max(...sizes)
const stateDir = mkdtempSync(join(tmpdir(), 'twitter-stats-bench-state-'))
const stateFile = join(stateDir, 'state')
writeFileSync(stateFile, matureState(Array.from({ length: stateAccounts }, (_, i) => `u${i}`)))
const withState = []
const withoutState = []
for (let i = 0; i < Math.max(runs, 3); i++) {
  withoutState.push(await runOnce(stateAccounts, x, dd))
  withState.push(await runOnce(stateAccounts, x, dd, false, ['--state', stateFile]))
}
const stateBytes = statSync(stateFile).size
rmSync(stateDir, { recursive: true, force: true })
const stateRatio = median(withState.map((run, i) => run.wall / withoutState[i].wall))

// Lists (issue 21): one X List of LIST_MEMBERS members in the account list, expanded with their counts.
const listRun = await runOnce(LIST_MEMBERS, x, dd, false, [], 'x-list:1500000000000000001')
x.server.close()
dd.server.close()

const round = (n) => (Number.isNaN(n) ? 'n/a' : Math.round(n))
console.log(
  `load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`
)
console.log(
  `twitter-stats bench: ${latency} ms per request, concurrency ${values.concurrency}, ${runs} run(s) per size (median), node ${process.version}, peak RSS from ${TIME ? '/usr/bin/time' : '/proc VmHWM polling'}`
)
console.log(`${CLI}; node alone starts and exits in ${Math.round(median(bare))} ms (median of 5) on this machine now`)
console.log(`floor: ${FLOOR}, the same requests and gzip bodies and nothing else, run alternately with the CLI`)
console.log('')
console.log(
  table(
    [
      'accounts',
      'X requests',
      'Datadog requests (minimum)',
      'bytes to Datadog',
      'wall ms (floor)',
      'CPU ms (floor)',
      'peak RSS MB (floor)',
      'wall / floor',
      'RSS / floor',
      'start-up ms',
      'start-up beyond bare node ms'
    ],
    results.map((r) => [
      r.accounts,
      r.xRequests,
      `${r.ddRequests} (${r.ddMinimum})`,
      r.bytes,
      `${round(r.wall)} (${round(r.floor.wall)})`,
      `${round(r.cpu)} (${round(r.floor.cpu)})`,
      `${r.rssMb.toFixed(1)} (${r.floor.rssMb.toFixed(1)})`,
      `${r.wallRatio.toFixed(2)}×`,
      `${r.rssRatio.toFixed(2)}×`,
      round(r.startup),
      round(r.startup - median(bare))
    ])
  )
)
console.log('')
const mb = distSize() / 1_000_000
console.log(`${dirname(CLI)}: ${mb.toFixed(2)} MB (target under ${TARGETS.distMb} MB) ${mb < TARGETS.distMb ? 'ok' : 'MISSED'}`)
for (const r of results) {
  const checks = [
    `X requests ${r.xRequests === Math.ceil(r.accounts / 100) ? 'ok' : `MISSED (expected ${Math.ceil(r.accounts / 100)})`}`,
    `Datadog requests ${r.ddRequests === r.ddMinimum ? 'ok' : `MISSED (minimum ${r.ddMinimum})`}`,
    `start-up < 300 ms ${r.startup < 300 ? 'ok' : 'MISSED'}`
  ]
  if (r.accounts === 10_000 && latency === 50) {
    const { wallRatio, rssRatio } = r
    checks.push(
      `wall ${wallRatio.toFixed(2)}× the floor (target ${TARGETS.wallOverFloor}×) ${wallRatio <= TARGETS.wallOverFloor ? 'ok' : 'MISSED'}`,
      `peak RSS ${rssRatio.toFixed(2)}× the floor (target ${TARGETS.rssOverFloor}×) ${rssRatio <= TARGETS.rssOverFloor ? 'ok' : 'MISSED'}`,
      `RSS < ${TARGETS.rssMb} MB ${r.rssMb < TARGETS.rssMb ? 'ok' : 'MISSED'}`
    )
  }
  console.log(`${r.accounts} accounts: ${checks.join(', ')}`)
}

console.log('')
const stated = medianOf(withState)
const unstated = medianOf(withoutState)
console.log(
  table(
    ['accounts', 'runs', 'wall ms with state (without)', 'CPU ms with state (without)', 'peak RSS MB with state (without)', 'state file bytes'],
    [
      [
        stateAccounts,
        withState.length,
        `${round(stated.wall)} (${round(unstated.wall)})`,
        `${round(stated.cpu)} (${round(unstated.cpu)})`,
        `${stated.rssMb.toFixed(1)} (${unstated.rssMb.toFixed(1)})`,
        stateBytes
      ]
    ]
  )
)
console.log(
  `${stateAccounts} accounts with a state file of nine days: wall ${stateRatio.toFixed(2)}× a run without (target under ${TARGETS.stateWallOverNone}×) ${
    stateRatio < TARGETS.stateWallOverNone ? 'ok' : 'MISSED'
  }, peak RSS < ${TARGETS.rssMb} MB ${stated.rssMb < TARGETS.rssMb ? 'ok' : 'MISSED'}, state under 4 MiB ${stateBytes < 4 * 1024 * 1024 ? 'ok' : 'MISSED'}`
)

console.log('')
const listFloor = Math.ceil(LIST_MEMBERS / 100)
console.log(
  `an X List of ${LIST_MEMBERS} members: ${listRun.xListRequests} GET /2/lists/:id/members request(s) and ${listRun.xRequests - listRun.xListRequests} other X request(s) (floor ${listFloor} and 0) ${
    listRun.xListRequests === listFloor && listRun.xRequests === listFloor ? 'ok' : 'MISSED'
  }, ${listRun.ddRequests} Datadog request(s), ${Math.round(listRun.wall)} ms, ${listRun.rssMb.toFixed(1)} MB peak RSS`
)

// The action's start-up with and without its state: a section of its own.
await import('./bench-startup.mjs')
