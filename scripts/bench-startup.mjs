#!/usr/bin/env node
/**
 * The action's start-up with and without its state, a section of npm run bench (or alone:
 * node scripts/bench-startup.mjs [--runs 7] [--before REF]). Runs the BUILT action (dist/index.js, as the runner
 * does) for one X account against local X and Datadog stand-ins, and times it, median of --runs, the variants
 * taking turns so the machine's load falls on each alike:
 *   - before: dist/ of REF (default: the commit before the state existed, the parent of the one that added
 *     src/state/cache-store.ts), unpacked to a temporary folder;
 *   - state none; the default on a step without the cache (no ACTIONS_RUNTIME_TOKEN), which loads no cache client;
 *   - state in the cache, against a minimal cache service that has no entry and takes the save (the first run of a
 *     workflow): the cost of loading @actions/cache and its blob client and of the two calls.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, before: { type: 'string' } }, strict: false })
const runs = Number(values.runs)
const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
const before = git('rev-parse', '--short', values.before ?? `${git('log', '--format=%H', '--diff-filter=A', '-1', '--', 'src/state/cache-store.ts')}^`)

/** A server on 127.0.0.1 whose answers `handle(req, body)` gives as { status, body }. */
async function listen(handle) {
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const { status, body = '' } = handle(req, Buffer.concat(chunks))
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) }
}

const metrics = { followers_count: 1000, following_count: 100, tweet_count: 5000, listed_count: 10, like_count: 200, media_count: 30 }
const x = await listen(() => ({ status: 200, body: JSON.stringify({ data: [{ id: '12', name: 'Jack', username: 'jack', public_metrics: metrics }] }) }))
const dd = await listen(() => ({ status: 202, body: JSON.stringify({ errors: [] }) }))
// The cache service's twirp calls and the blob upload, as a first run meets them: no entry yet, the save taken.
let uploaded = 0
const cache = await listen((req, body) => {
  const method = req.url.split('/').pop()
  if (method === 'GetCacheEntryDownloadURL') return { status: 200, body: JSON.stringify({ ok: false }) }
  if (method === 'CreateCacheEntry') return { status: 200, body: JSON.stringify({ ok: true, signed_upload_url: `${cache.url}/account/cache/entry?sig=s` }) }
  if (method === 'FinalizeCacheEntryUpload') return { status: 200, body: JSON.stringify({ ok: true, entry_id: '1' }) }
  uploaded += body.length
  return { status: 201 }
})

const beforeDir = mkdtempSync(join(tmpdir(), 'twitter-stats-before-'))
execFileSync('sh', ['-c', `git archive ${before} dist | tar -x -C ${beforeDir}`], { cwd: ROOT })

/** One run of the action at `entry` with `env` added; its wall time in ms. */
async function runAction(entry, env) {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-startup-'))
  for (const file of ['output', 'summary']) writeFileSync(join(dir, file), '')
  const started = performance.now()
  const child = spawn(process.execPath, [entry], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      RUNNER_TEMP: dir,
      GITHUB_WORKSPACE: dir,
      INPUT_ACCOUNTS: 'jack',
      'INPUT_X-BEARER-TOKEN': 'bench-x-token',
      'INPUT_X-API-URL': x.url,
      'INPUT_DATADOG-API-KEY': 'bench-dd-key',
      'INPUT_DATADOG-SITE': dd.url,
      ...env
    }
  })
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (out += chunk))
  const code = await new Promise((resolve) => child.on('close', resolve))
  const wall = performance.now() - started
  const outputs = readFileSync(join(dir, 'output'), 'utf8')
  rmSync(dir, { recursive: true, force: true })
  if (code !== 0 || !/accounts-collected(=|<<.*\n)1/.test(outputs)) throw new Error(`the action at ${entry} failed (${code}):\n${out.slice(-2000)}`)
  return wall
}

const current = join(ROOT, 'dist', 'index.js')
const cacheEnv = { ACTIONS_RUNTIME_TOKEN: 'bench-token', ACTIONS_RESULTS_URL: `${cache.url}/`, ACTIONS_CACHE_SERVICE_V2: 'True', GITHUB_RUN_ID: '1' }
const variants = [
  { name: `before the state (dist/ of ${before})`, entry: join(beforeDir, 'dist', 'index.js'), env: {} },
  { name: 'state none', entry: current, env: { INPUT_STATE: 'none' } },
  { name: 'default, no cache on the step', entry: current, env: {} },
  { name: 'state in the cache (first run: restore misses, save)', entry: current, env: cacheEnv }
]
const times = variants.map(() => [])
try {
  for (let i = 0; i < runs; i++) for (const [index, variant] of variants.entries()) times[index].push(await runAction(variant.entry, variant.env))
} finally {
  rmSync(beforeDir, { recursive: true, force: true })
  await Promise.all([x.close(), dd.close(), cache.close()])
}
const median = (numbers) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]
const medians = times.map(median)
console.log('')
console.log(`the action's start-up and one-account run, wall ms (median of ${runs}, variants in turn):`)
for (const [index, variant] of variants.entries()) console.log(`  ${variant.name.padEnd(56)} ${Math.round(medians[index])} ms`)
const slower = (medians[1] - medians[0]) / medians[0]
// Within 5 % or 15 ms of before: process start-up noise on a shared machine is about that.
const ok = medians[1] <= medians[0] * 1.05 || medians[1] - medians[0] < 15
console.log(`state none against before: ${slower >= 0 ? '+' : ''}${(slower * 100).toFixed(1)} % ${ok ? 'ok' : 'MISSED'} (target: no slower)`)
if (uploaded === 0) console.log('the cache variant uploaded nothing: MISSED')
