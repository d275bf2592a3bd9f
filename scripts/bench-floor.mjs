#!/usr/bin/env node
/**
 * The floor for npm run bench: a bare script that does only what a run cannot avoid. It makes the same requests as
 * the command line (X `GET /2/users/by`, 100 usernames each, `concurrency` in flight; then one `POST /api/v2/series`
 * per batch), builds the same series and gzip bodies (6 gauges per account plus the collector's 7, split under
 * Datadog's 5 MiB), and nothing else: no settings, no retries, no messages, no summary.
 *
 *   node scripts/bench-floor.mjs <x-url> <datadog-url> <accounts> <concurrency>
 *
 * Started by scripts/bench.mjs with the same environment (X_BEARER_TOKEN, DATADOG_API_KEY, ACCOUNTS) as the CLI.
 */
import { request } from 'node:http'
import { URLSearchParams } from 'node:url'
import { gzipSync } from 'node:zlib'

/** One request over node:http (the cheapest transport Node has, and the one the CLI's own transport uses). */
function call(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

const [xUrl, ddUrl, , concurrencyArg] = process.argv.slice(2)
const concurrency = Number(concurrencyArg)
const usernames = process.env.ACCOUNTS.split(',')
const METRICS = {
  followers_count: 'followers_count',
  friends_count: 'following_count',
  status_count: 'tweet_count',
  listed_count: 'listed_count',
  favourites_count: 'like_count',
  media_count: 'media_count'
}

const chunks = []
for (let i = 0; i < usernames.length; i += 100) chunks.push(usernames.slice(i, i + 100))
const users = []
let next = 0
let remaining
await Promise.all(
  Array.from({ length: Math.min(concurrency, chunks.length) }, async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]
      const query = new URLSearchParams({ usernames: chunk.join(','), 'user.fields': 'public_metrics' })
      const response = await call(`${xUrl}/2/users/by?${query}`, 'GET', { authorization: `Bearer ${process.env.X_BEARER_TOKEN}` })
      remaining = Number(response.headers['x-rate-limit-remaining'])
      users.push(...JSON.parse(response.body).data)
    }
  })
)

const timestamp = Math.floor(Date.now() / 1000)
const gauge = (metric, value, tags) => ({ metric, type: 3, points: [{ timestamp, value }], tags })
const series = []
for (const user of users) {
  const tags = [`account:${user.username.toLowerCase()}`, 'network:x']
  for (const [name, field] of Object.entries(METRICS)) series.push(gauge(`twitter.${name}`, user.public_metrics[field], tags))
}
series.push(gauge('twitter.collector.accounts_collected', users.length, ['network:x']))
for (const reason of ['not_found', 'suspended', 'rate_limited', 'error'])
  series.push(gauge('twitter.collector.accounts_failed', 0, [`reason:${reason}`, 'network:x']))
series.push(gauge('twitter.collector.run_duration', process.uptime(), []))
series.push(gauge('twitter.collector.rate_limit_remaining', remaining, ['network:x']))

// Batches under Datadog's 5 MiB decompressed (each series serialised once), each gzipped once.
const bodies = []
let batch = []
let size = 13
for (const item of series) {
  const json = JSON.stringify(item)
  if (batch.length > 0 && size + 1 + json.length > 5_242_879) {
    bodies.push(batch)
    batch = []
    size = 13
  }
  size += json.length + (batch.length > 0 ? 1 : 0)
  batch.push(json)
}
if (batch.length > 0) bodies.push(batch)
for (const body of bodies) {
  const gzip = gzipSync(`{"series":[${body.join(',')}]}`)
  const headers = { 'DD-API-KEY': process.env.DATADOG_API_KEY, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gzip.length }
  const response = await call(`${ddUrl}/api/v2/series`, 'POST', headers, gzip)
  if (response.status !== 202) throw new Error(`Datadog stand-in answered ${response.status}`)
}
console.log(`${users.length} collected, 0 failed`)
