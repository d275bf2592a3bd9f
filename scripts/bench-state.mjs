/**
 * The state (docs/state.md, version 1) of X accounts after nine days of runs, the largest a state gets: every
 * account with its last values and nine daily snapshots. For the benches (scripts/bench.mjs, scripts/bench-lambda.mjs),
 * which run the built bundle and so write the format here themselves.
 */
import { gzipSync } from 'node:zlib'

const METRICS = ['followers_count', 'friends_count', 'status_count', 'listed_count', 'favourites_count', 'media_count']

/** `handles[i]` the X handle of account i; the last run `now` (Unix seconds), one a day before it for eight days. */
export function matureState(handles, now = Math.floor(Date.now() / 1000) - 300) {
  const accounts = {}
  handles.forEach((handle, i) => {
    // A snapshot: its time, then its values in the order of METRICS; `daily` holds nine of them one after another.
    const snapshot = (daysAgo) => [now - daysAgo * 86_400, ...METRICS.map((_, m) => 1000 + i + m - daysAgo)]
    const daily = [8, 7, 6, 5, 4, 3, 2, 1, 0].flatMap(snapshot)
    accounts[`x:${handle}`] = { id: String(i + 1), name: handle, last: snapshot(0), daily }
  })
  const state = { format: 'twitter-stats state', version: 1, prefix: 'twitter', writtenAt: now, metrics: METRICS, accounts, undelivered: [] }
  return gzipSync(JSON.stringify(state), { level: 1 })
}
