/**
 * Hostile content, through the BUILT action and command line (dist/, `npm run bundle`): X, Bluesky, Mastodon and
 * Datadog stand-ins on 127.0.0.1 that answer with counts nested 5,000 deep, runner commands, terminal escapes and
 * markup in their text, keys echoed back in every spelling, 2 MB error texts, a dashboard address that tries to
 * command the runner, credentials refused on a later batch; and inputs with a malformed profile URL or one profile
 * listed twice. For every case the checks of test/support/hostile-run.ts hold (no crash, RSS, deadline, no key to
 * another host or in any output, no foreign runner command, every collected series accepted or re-sendable), and
 * each case shows what it is about.
 */
import { describe, expect, jest, test } from '@jest/globals'
import { DD_APP_KEY } from '../support/datadog-api-stand-in.js'
import {
  ALICE,
  INJECTED,
  RUNNERS,
  delivered,
  echoForms,
  echoes,
  expectBounded,
  othersDelivered,
  runBuiltAction,
  settingsFor,
  startWorld,
  type Outcome,
  type Runner,
  type World
} from '../support/hostile-run.js'
import { DD_KEY, X_TOKEN, metricsFor, type Answer } from '../support/stand-ins.js'

jest.setTimeout(60_000)

const SETTINGS = { 'run-timeout': '20', 'request-timeout': '10', 'max-retries': '1', 'rate-limit-max-wait': '5' }

/** An array nested `depth` deep, as JSON text: JSON.parse takes it; JSON.stringify and String() of it overflow the stack. */
const deepJson = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`

/** Text that tries everything at once: an OSC 52 clipboard write, screen clears, runner commands on lines of their own, markup. */
const POISON = [
  'Record not found',
  `</details><img src=x onerror="alert(1)"><script>1</script>`,
  '\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[3J\u009b2J\r',
  `::error title=${INJECTED}::${INJECTED}`,
  `##[error]${INJECTED}`,
  `::add-mask::${INJECTED}`,
  `::stop-commands::${INJECTED}`
].join('\n')

/** Characters a terminal acts on (C0 but line feed and tab, DEL, C1): none may reach the command line's output. */
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/ // eslint-disable-line no-control-regex

/** An answer of the stand-in's own, its JSON body edited. */
const edited =
  (edit: (body: Record<string, unknown>) => void) =>
  (normal: () => Answer): Answer => {
    const answer = normal()
    const body = JSON.parse(answer.body ?? '{}') as Record<string, unknown>
    edit(body)
    return { ...answer, body: JSON.stringify(body) }
  }

const records = (o: Outcome, network: string): string[] => o.records.filter((r) => r.network === network).map((r) => `${r.account} ${r.metric}`)

interface Case {
  name: string
  /** Only for these runners (default both). */
  only?: Runner
  accounts?: string
  xUsers?: Parameters<typeof startWorld>[0]
  settings?: Record<string, string>
  env?: (w: World) => Record<string, string>
  fault?: (w: World) => void
  check: (o: Outcome, w: World) => void
}

const MANY_X = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`user${i}`, metricsFor(i)]))

const CASES: Case[] = [
  {
    name: 'every network at once: a count nested 5,000 deep, 1 MB errors echoing the token, a deep error message, terminal escapes, runner commands and markup, a bare array',
    accounts: 'jack nasa ghost ghost2 alice.bsky.social anna@one.social weird@two.social',
    fault: (w) => {
      // X: jack's followers count is an array nested 5,000 deep; ghost's and ghost2's errors are 1 MB each, and
      // start with the bearer token \u-escaped and %-encoded (a quote is cut to 200 characters, so one form each).
      const [, , escaped = '', encoded = ''] = echoForms(X_TOKEN)
      w.x.override = (_request, _index, normal) => {
        const answer = edited((body) => {
          body.errors = [
            ['ghost', escaped],
            ['ghost2', encoded]
          ].map(([value, echo]) => ({
            value,
            detail: `${echo} ${'A'.repeat(1_000_000)}`,
            title: 'Authorization Error',
            resource_type: 'user',
            type: 'https://api.twitter.com/2/problems/not-authorized-for-resource'
          }))
        })(normal)
        return { ...answer, body: answer.body?.replace(`"followers_count":${metricsFor(1).followers_count}`, `"followers_count":${deepJson(5_000)}`) }
      }
      // Bluesky: the error's message is an array nested 5,000 deep.
      w.bsky.override = () => ({ status: 400, body: `{"error":"InvalidRequest","message":${deepJson(5_000)}}` })
      // Mastodon: one instance refuses with escapes, commands and markup; the other's profile is a bare array 5,000 deep.
      w.masto.override = (request) =>
        request.url.includes('acct=anna') ? { status: 403, body: JSON.stringify({ error: POISON }) } : { status: 200, body: deepJson(5_000) }
    },
    check: (o, w) => {
      expect(o.text).toContain('X returned an invalid followers_count for jack (an array of 1); that metric was not sent.')
      expect(records(o, 'x')).not.toContain('jack twitter.followers_count')
      expect(records(o, 'x')).toContain('jack twitter.friends_count')
      expect(records(o, 'x').filter((r) => r.startsWith('ghost'))).toEqual([])
      expect(o.text).toContain('ghost2 could not be read')
      expect(delivered(w, 'x')).toBe(11)
      expect(o.text).not.toContain('A'.repeat(1_000))
      expect(o.text.length).toBeLessThan(100_000)
      expect(o.text).toMatch(/Bluesky[^\n]*\(an array of 1\)/)
      expect(records(o, 'bluesky')).toEqual([])
      expect(o.text).toContain('refuses anonymous reads (403: "Record not found')
      expect(records(o, 'mastodon')).toEqual([])
      expect(`${o.stdout}${o.stderr}`).not.toMatch(TERMINAL_CONTROLS)
      expect(o.summary).not.toMatch(/<img|<script|<\/details><img/i)
      if (o.summary) expect(o.summary).toContain('&lt;img')
      expect([o.collected, o.failed]).toEqual([2, 5])
    }
  },
  {
    name: 'Datadog refuses the series with a 400 that echoes the API key in every spelling',
    fault: (w) =>
      void (w.dd.override = (request) =>
        request.url === '/api/v2/series' ? { status: 400, body: JSON.stringify({ errors: [`Bad key ${echoes(DD_KEY)}`] }) } : undefined),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(o.text).toContain('400')
      expect(o.records).toHaveLength(18)
      expect(o.undelivered.length).toBeGreaterThanOrEqual(18)
      expect(w.dd.series).toHaveLength(0)
    }
  },
  {
    name: "Datadog's metadata calls answer 403 echoing both keys in every spelling; its new dashboard's id and address carry runner commands and escapes",
    settings: { 'datadog-app-key': DD_APP_KEY, 'datadog-dashboard': 'true' },
    fault: (w) =>
      void (w.dd.override = (request, _index, normal) => {
        if (request.url.startsWith('/api/v1/metrics/'))
          return { status: 403, body: JSON.stringify({ errors: [`Forbidden for ${echoes(DD_KEY)} and ${echoes(DD_APP_KEY)}`] }) }
        if (request.method === 'POST' && request.url === '/api/v1/dashboard')
          return edited((body) => {
            body.url = `/dashboard/abc-def-ghi/twitter\n${POISON}`
            body.id = `abc-def-ghi\n::warning title=${INJECTED}::${INJECTED}\n\u001b]52;c;ZXZpbA==\u0007`
          })(normal)
        return undefined
      }),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(o.text).toContain('403')
      expect(w.dd.requests.some((r) => r.url.startsWith('/api/v1/metrics/'))).toBe(true)
      expect(w.dd.requests.some((r) => r.method === 'POST' && r.url === '/api/v1/dashboard')).toBe(true)
      expect(o.text).toContain('Dashboard abc-def-ghi')
      expect(`${o.stdout}${o.stderr}`).not.toMatch(TERMINAL_CONTROLS)
      expect(o.summary).not.toMatch(/<img|<script/i)
      othersDelivered(w, ['x', 'bluesky', 'mastodon'])
    }
  },
  {
    name: "Datadog's monitor listing holds look-alikes with runner commands and escapes in their names, tags and ids; creating one answers 400 echoing both keys",
    settings: { 'datadog-app-key': DD_APP_KEY, 'datadog-monitors': 'true', 'datadog-monitor-notify': '@slack-social' },
    fault: (w) => {
      const lookAlike = { type: 'metric alert', query: POISON, message: POISON, name: POISON, options: { thresholds: { critical: POISON } } }
      const id = `7\n::warning title=${INJECTED}::${INJECTED}` as unknown as number
      w.dd.monitors.set(7, { ...lookAlike, id, tags: ['twitter-stats-prefix:twitter', 'twitter-stats-monitor:collection-stopped'] })
      w.dd.monitors.set(8, { ...lookAlike, id: 8, tags: [POISON, 'twitter-stats-prefix:twitter', 'twitter-stats-monitor:account-failing'] })
      w.dd.override = (request) =>
        request.method === 'POST' && request.url === '/api/v1/monitor' && request.body.includes('lost over')
          ? { status: 400, body: JSON.stringify({ errors: [`Invalid ${echoes(DD_KEY)} ${echoes(DD_APP_KEY)} ${POISON}`] }) }
          : undefined
    },
    check: (o, w) => {
      expect(o.code).toBe(1)
      // The look-alike with a number for an id is ours (its tags say so) and is put right; the other is no monitor.
      expect(w.dd.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/api/v1/monitor/')).map((r) => r.url)).toEqual(['/api/v1/monitor/8'])
      expect(o.text).toContain('Monitor account-failing 8 updated')
      // The one with an id that is no number is no monitor of ours: collection-stopped is made anew.
      expect(o.text).toMatch(/Monitor collection-stopped \d+ created/)
      expect(o.text).toMatch(/Monitor followers-gained \d+ created/)
      expect(o.text).toContain('Datadog rejected the request to create a monitor as malformed (400)')
      expect(`${o.stdout}${o.stderr}`).not.toMatch(TERMINAL_CONTROLS)
      othersDelivered(w, ['x', 'bluesky', 'mastodon'])
    }
  },
  {
    name: "X refuses the credentials on a later batch (the earlier batch's accounts are withheld and counted failed); one Bluesky profile is listed as its handle and its DID",
    accounts: `${Object.keys(MANY_X).join(' ')} alice.bsky.social ${ALICE.did} anna@one.social`,
    xUsers: MANY_X,
    fault: (w) =>
      void (w.x.override = (_request, index) =>
        index === 0 ? undefined : { status: 401, body: JSON.stringify({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }) }),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(w.x.requests).toHaveLength(2)
      expect(records(o, 'x')).toEqual([])
      expect(delivered(w, 'x')).toBe(0)
      expect(o.text).toContain(`Bluesky accounts alice.bsky.social and ${ALICE.did} are the same profile`)
      expect([o.collected, o.failed]).toEqual([2, 101])
      othersDelivered(w, ['bluesky', 'mastodon'])
    }
  },
  {
    name: 'a profile URL with a malformed escape is a configuration error before any request',
    accounts: 'jack https://bsky.app/profile/%E0%A4%A anna@one.social',
    check: (o, w) => {
      expect(o.code).not.toBe(0)
      expect(o.text).toContain('is not a valid account: "https://bsky.app/profile/%')
      expect(o.records).toEqual([])
      for (const standIn of [w.x, w.bsky, w.masto, w.dd]) expect(standIn.requests).toHaveLength(0)
    }
  },
  {
    name: 'a part that throws: the job summary cannot be written (its path is a folder)',
    only: runBuiltAction,
    env: () => ({ GITHUB_STEP_SUMMARY: '/' }),
    check: (o, w) => {
      expect(o.code).toBe(1)
      expect(o.text).toContain('The job summary could not be written to GITHUB_STEP_SUMMARY (/)')
      othersDelivered(w, ['x', 'bluesky', 'mastodon'])
      expect([o.collected, o.failed]).toEqual([4, 0])
    }
  }
]

// Each case has servers of its own, so the cases run side by side (one flat list: jest runs concurrent tests a
// describe block at a time). Faults that cannot disturb each other share a run (as they would on a bad day), so the
// built bundle starts fewer times.
describe('hostile content', () => {
  const runs = RUNNERS.flatMap(([runner, run]) => CASES.filter((c) => !c.only || c.only === run).map((c) => [runner, c.name, run, c] as const))
  test.concurrent.each(runs)('%s: %s', async (_runner, _caseName, run, c) => {
    const world = await startWorld(c.xUsers)
    try {
      c.fault?.(world)
      const settings = settingsFor(world, SETTINGS, { ...(c.accounts ? { accounts: c.accounts } : {}), ...c.settings })
      const outcome = await run(settings, c.env?.(world))
      expectBounded(outcome, world, Number(settings['run-timeout']))
      c.check(outcome, world)
    } finally {
      await world.close()
    }
  })
})
