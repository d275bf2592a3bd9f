/**
 * Hostile transport, through the BUILT action and command line (dist/, `npm run bundle`): servers on 127.0.0.1
 * that answer without end, with a gzip bomb, with 50 MB, with redirects to another host, with a rate-limit
 * reset of 1e13, with a long rate limit, or not at all. For every case: nothing "stopped unexpectedly", peak RSS
 * under 256 MB, the run ends within run-timeout plus a few seconds, no key reaches a host it was not meant for,
 * and every series collected was accepted by Datadog or is in the re-sendable body (test/support/hostile-run.ts).
 */
import { describe, expect, jest, test } from '@jest/globals'
import { endlessBody, gzipBomb, largeBody, neverAnswers, redirectTo } from '../support/hostile-answers.js'
import { RUNNERS, expectBounded, othersDelivered, settingsFor, startWorld, type Outcome, type World } from '../support/hostile-run.js'

jest.setTimeout(60_000)

interface Case {
  name: string
  fault: (w: World) => void
  settings?: Record<string, string>
  /** What else this case must show. */
  check: (o: Outcome, w: World) => void
}

/** Generous enough that a loaded machine reads 4 MiB in time; the case that waits for the deadline sets a short one. */
const SETTINGS = { 'run-timeout': '20', 'request-timeout': '10', 'max-retries': '1', 'rate-limit-max-wait': '5' }

const fails = (o: Outcome, network: string): void => expect([network, o.records.filter((r) => r.network === network)]).toEqual([network, []])

const onSeriesEndpoint = (answer: (w: World) => ReturnType<typeof redirectTo>) => (w: World) => {
  w.dd.override = (request) => (request.url === '/api/v2/series' ? answer(w) : undefined)
}

/**
 * Faults on different networks share a run (as they would on a bad day), each group leaving one network well, so
 * the built bundle starts fewer times and each run still shows that one bad network does not spoil the others.
 */
const CASES: Case[] = [
  // First: it waits for its deadline, and the others run meanwhile.
  {
    name: 'Datadog accepts the connection and never answers',
    settings: { 'run-timeout': '6', 'request-timeout': '30' },
    fault: onSeriesEndpoint(() => neverAnswers()),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(o.text).toContain('Datadog request to')
      expect(o.text).toContain("was given up at the run's deadline (run-timeout)")
      expect(o.records).toHaveLength(18)
      expect(o.undelivered.length).toBeGreaterThanOrEqual(18)
      expect(w.dd.series).toHaveLength(0)
    }
  },
  {
    name: 'X answers with a body that never ends; Bluesky with a 50 MB body',
    fault: (w) => {
      w.x.override = () => endlessBody()
      w.bsky.override = () => largeBody()
    },
    check: (o, w) => {
      expect(o.text).toContain('with a body larger than 4096 KiB, which was not read')
      expect(o.text).toContain('Bluesky answered from')
      fails(o, 'x')
      fails(o, 'bluesky')
      othersDelivered(w, ['mastodon'])
    }
  },
  {
    name: 'X answers with a 4 MB gzip bomb (content-encoding: gzip); Mastodon with a 302 to another host',
    fault: (w) => {
      w.x.override = () => gzipBomb()
      w.masto.override = () => redirectTo(`${w.other.url}/api/v1/accounts/lookup?acct=anna`)
    },
    check: (o, w) => {
      expect(o.text).toContain('with a body larger than 4096 KiB, which was not read')
      expect(o.text).toContain('Mastodon instance one.social answered 302 Found')
      fails(o, 'x')
      fails(o, 'mastodon')
      othersDelivered(w, ['bluesky'])
    }
  },
  {
    name: 'X answers 302 to another host; Bluesky 429 with a rate-limit reset of 1e13',
    fault: (w) => {
      w.x.override = () => redirectTo(`${w.other.url}/2/users/by?usernames=jack`)
      w.bsky.override = () => ({ status: 429, headers: { 'ratelimit-reset': '1e13' }, body: '{"error":"RateLimitExceeded"}' })
    },
    check: (o, w) => {
      expect(o.text).toContain(`X answered 302 Found from ${new URL(w.x.url).host}, a redirect to ${new URL(w.other.url).host}`)
      expect(o.text).not.toContain('Invalid time value')
      expect(o.text).toContain('Bluesky kept answering 429 Too Many Requests')
      fails(o, 'x')
      fails(o, 'bluesky')
      othersDelivered(w, ['mastodon'])
    }
  },
  {
    name: 'X answers 429 with a rate-limit reset of 1e13; Mastodon 429 with a reset just inside rate-limit-max-wait',
    settings: { 'rate-limit-max-wait': '60' },
    fault: (w) => {
      w.x.override = () => ({ status: 429, headers: { 'x-rate-limit-reset': '1e13' }, body: '{"title":"Too Many Requests"}' })
      w.masto.override = () => ({
        status: 429,
        headers: { 'x-ratelimit-reset': new Date(Date.now() + 55_000).toISOString() },
        body: '{"error":"Too many requests"}'
      })
    },
    check: (o, w) => {
      expect(o.text).not.toContain('Invalid time value')
      expect(o.text).toContain('X kept answering 429 Too Many Requests after 2 attempts and did not say when the limit resets.')
      expect(o.text).toMatch(/Mastodon instance one\.social rate limit is exhausted and resets at .* \(in 5\d s\), after the run's deadline/)
      expect(o.text).toContain('raise run-timeout or run less often')
      fails(o, 'x')
      fails(o, 'mastodon')
      othersDelivered(w, ['bluesky'])
    }
  },
  ...[301, 302].map((status): Case => ({
    name: `the series endpoint answers ${status}, a redirect to another host`,
    fault: onSeriesEndpoint((w) => redirectTo(`${w.other.url}/api/v2/series`, status)),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(o.text).toContain(
        `Datadog answered ${status} ${status === 301 ? 'Moved Permanently' : 'Found'} from ${new URL(w.dd.url).host}, a redirect to ${new URL(w.other.url).host}`
      )
      expect(o.records).toHaveLength(18)
      expect(o.undelivered.length).toBeGreaterThanOrEqual(18)
      expect(w.dd.series).toHaveLength(0)
    }
  }))
]

// Each case has servers of its own, so the cases run side by side: most of their time is waiting.
// One flat list, not a describe block per runner: jest runs concurrent tests a block at a time.
describe('hostile servers', () => {
  const runs = RUNNERS.flatMap(([runner, run]) => CASES.map((c) => [runner, c.name, run, c] as const))
  test.concurrent.each(runs)('%s: %s', async (_runner, _caseName, run, c) => {
    const world = await startWorld()
    try {
      c.fault(world)
      const settings = settingsFor(world, SETTINGS, c.settings)
      const outcome = await run(settings)
      expectBounded(outcome, world, Number(settings['run-timeout']))
      c.check(outcome, world)
    } finally {
      await world.close()
    }
  })
})
