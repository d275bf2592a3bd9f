/**
 * The README's two examples are what the code prints, not a drawing of it: the job summary of "What you get" and
 * the command line's table of "What changed" are rendered here by two runs with a state, the second a day after
 * the first, against X and Datadog stand-ins holding the README's counts.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HttpDeps } from '../../src/http/send.js'
import { fakeClock } from '../support/clock.js'
import { section } from '../support/docs.js'
import { decodeEntities } from '../support/html.js'
import { runActionInProcess } from '../support/run-action.js'
import { runCliInProcess } from '../support/run-cli.js'
import { DD_KEY, X_TOKEN, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let dir: string

/** The README's three accounts on the first run. */
const COUNTS = {
  jack: { followers_count: 6530000, following_count: 4600, tweet_count: 29800, listed_count: 25000, like_count: 37000, media_count: 2400 },
  nasa: { followers_count: 89200000, following_count: 190, tweet_count: 73400, listed_count: 98000, like_count: 15000, media_count: 31000 },
  github: { followers_count: 2600000, following_count: 330, tweet_count: 8900, listed_count: 15800, like_count: 9800, media_count: 1900 }
}

beforeEach(async () => {
  x = await startXStandIn(structuredClone(COUNTS))
  dd = await startDatadogStandIn()
  dir = mkdtempSync(join(tmpdir(), 'twitter-stats-readme-'))
})
afterEach(async () => {
  await Promise.all([x.close(), dd.close()])
  rmSync(dir, { recursive: true, force: true })
})

/** A day and an hour later: the first run's snapshot is then the newest one at least 24 hours old. */
function aDayLater(): Partial<HttpDeps> {
  const clock = fakeClock()
  return { ...clock, now: () => clock.now() + 25 * 3_600_000 }
}

/** Between the runs nasa gains 1,520 followers, github 85, and jack loses 12. */
function theDayPasses(): void {
  for (const [name, change] of [
    ['nasa', 1520],
    ['github', 85],
    ['jack', -12]
  ] as const) {
    const user = x.users.get(name)
    if (user === undefined || user === 'suspended') throw new Error(`the stand-in has no user ${name}`)
    user.followers_count += change
  }
}

const decode = (html: string): string => decodeEntities(html.replace(/<b>(.*?)<\/b>/g, '**$1**'))

/** The summary's HTML as the Markdown the README quotes it in: headings in bold, paragraphs, the table's rows. */
function asMarkdown(html: string): string[] {
  const blocks: string[] = []
  for (const [, tag, inner = ''] of html.matchAll(/<(h2|h3|p|table)>([\s\S]*?)<\/\1>/g)) {
    if (tag !== 'table') {
      blocks.push(tag === 'p' ? decode(inner) : `**${decode(inner)}**`)
      continue
    }
    const rows = [...inner.matchAll(/<tr>(.*?)<\/tr>/g)].map(([, row = '']) => [...row.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map(([, cell = '']) => decode(cell)))
    const [header = [], ...body] = rows
    const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
    blocks.push([line(header), `|${header.map(() => '---|').join('')}`, ...body.map(line)].join('\n'))
  }
  return blocks
}

/** The README's quoted summary: the first run of lines after `intro` that start with ">", as blocks (a paragraph's lines joined). */
function quotedBlocks(text: string, intro: string): string[] {
  const start = text.indexOf(intro)
  expect(start).toBeGreaterThanOrEqual(0)
  const lines = text.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('>'))
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('>'))
  const paragraphs = lines
    .slice(first, end)
    .map((line) => line.replace(/^> ?/, ''))
    .join('\n')
    .split(/\n\n+/)
  return paragraphs.map((paragraph) => (paragraph.startsWith('|') ? paragraph : paragraph.replace(/\n/g, ' ')))
}

describe("the README's examples are rendered by the code", () => {
  test('"What you get" is the job summary of the run a day after the first, as the action writes it', async () => {
    const inputs = {
      accounts: 'jack, nasa, github',
      'x-bearer-token': X_TOKEN,
      'datadog-api-key': DD_KEY,
      'datadog-site': dd.url,
      'x-api-url': x.url,
      state: 'state.json.gz'
    }
    const runner = { RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir }
    const first = await runActionInProcess(inputs, runner)
    expect(first.code).toBe(0)
    theDayPasses()
    const second = await runActionInProcess(inputs, runner, aDayLater())
    expect(second.code).toBe(0)
    const rendered = asMarkdown(second.summary)
    expect(rendered).toContain('**Followers over 24 hours**')
    expect(quotedBlocks(section('README.md', 'What you get'), 'Every run ends with a job summary like this one')).toEqual(rendered)
  })

  test('"What changed" is the table the command line prints on that run, with its change column', async () => {
    const args = ['--state', join(dir, 'state.json.gz'), '--datadog-site', dd.url, '--x-api-url', x.url, 'jack', 'nasa', 'github']
    const env = { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY }
    expect((await runCliInProcess(args, env)).code).toBe(0)
    theDayPasses()
    const second = await runCliInProcess(args, env, aDayLater())
    expect(second.code).toBe(0)
    const table = second.stdout.split('\n').filter((line) => /^(account|jack|nasa|github) /.test(line))
    expect(table).toHaveLength(4)
    const block = /```\n\$ node dist\/cli\.js --state [^\n]*\n([\s\S]*?)```/.exec(section('README.md', 'What changed'))
    expect(block?.[1]?.trimEnd().split('\n')).toEqual(table.map((line) => line.trimEnd()))
  })
})
