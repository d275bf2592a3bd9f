/**
 * The documentation's "Exit status" (docs/actions.md) and "Troubleshooting" (docs/troubleshooting.md) quote the
 * messages as printed: every quoted message there
 * (a code span with a space in it) is found in what the action or the CLI printed for one of the cases
 * below, or, for a case not run here, in one file of src/ as the template that prints it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { realHttpDeps } from '../../src/http/send.js'
import { PAGES, readPage, section, withoutFences } from '../support/docs.js'
import { fakeClock } from '../support/clock.js'
import { runCliInProcess } from '../support/run-cli.js'
import { ROOT, runActionInProcess } from '../support/run-action.js'
import { decodeEntities } from '../support/html.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

/**
 * The sections that quote messages: on every page (the README and docs/), each section whose heading starts
 * with "Exit status", "Troubleshooting" or "Messages", so a page added later is checked as soon as it has one.
 */
const QUOTING = PAGES.flatMap((page) =>
  [...withoutFences(readPage(page)).matchAll(/^#{1,6} ((?:Exit status|Troubleshooting|Messages)\b.*)$/gm)].map((match) => ({ page, heading: match[1]! }))
)

/** Code spans (single or double backticks) with a space in them: the quoted messages. */
function quotedMessages(text: string): string[] {
  const spans = [...text.matchAll(/``\s?(.+?)\s?``|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2] ?? '')
  return [...new Set(spans.filter((span) => span.includes(' ')))]
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The quote as a pattern over one printed line: `…` stands for any text. */
function asPrinted(quote: string): RegExp {
  return new RegExp(quote.split('…').map(escapeRegExp).join('[^\\n]*?'))
}

function decodeHtml(text: string): string {
  return decodeEntities(text.replace(/<[^>]+>/g, ''))
}

const SOURCES = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(ROOT, 'src', file), 'utf8'))

/** A template in one source file holds every literal part of the quote. */
function inSource(quote: string): boolean {
  const parts = quote
    .split('…')
    .map((part) => part.trim())
    .filter(Boolean)
  return SOURCES.some((source) => parts.every((part) => source.includes(part)))
}

let x: XStandIn
let dd: DatadogStandIn
/** Everything printed across the cases: logs, summaries, CLI stdout and stderr. */
const printed: string[] = []

beforeAll(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), gone: 'suspended' })
  dd = await startDatadogStandIn()
  const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
    accounts: 'jack, nasa',
    'x-bearer-token': X_TOKEN,
    'datadog-api-key': DD_KEY,
    'datadog-site': dd.url,
    'x-api-url': x.url,
    'max-retries': '0',
    ...extra
  })
  const action = async (extra: Record<string, string>, http: Parameters<typeof runActionInProcess>[2] = fakeClock()): Promise<void> => {
    const result = await runActionInProcess(inputs(extra), {}, http)
    printed.push(result.stdout.replace(/%0A/g, '\n').replace(/%25/g, '%'), decodeHtml(result.summary))
  }
  const cli = async (args: string[], env: Record<string, string> = {}): Promise<void> => {
    const result = await runCliInProcess(args, { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url, ...env })
    printed.push(result.stdout, result.stderr)
  }

  await action({})
  await action({ accounts: 'jack, not-a-user!' })
  await action({ 'x-bearer-token': '' })
  await action({ 'x-api-url': 'http://proxy.example.com' })
  await action({ 'x-bearer-token': 'wrong-token-abc' })
  await action({ accounts: 'jack, gone, nobody_here' })
  await action({ 'datadog-api-key': 'a-key-datadog-refuses' })
  await cli(['jack'])
  await cli(['jack'], { X_BEARER_TOKEN: 'wrong-token-abc' })
  await cli(['jack', 'not-a-user!'])

  x.override = () => ({
    status: 403,
    body: JSON.stringify({ title: 'Client Forbidden', reason: 'client-not-enrolled', type: 'https://api.twitter.com/2/problems/client-forbidden' })
  })
  await action({})
  x.override = () => ({ status: 503, body: JSON.stringify({ title: 'Service Unavailable', detail: 'Service Unavailable', status: 503 }) })
  await action({})
  const now = Date.now()
  x.override = () => ({ status: 429, headers: { 'x-rate-limit-reset': String(Math.floor(now / 1000) + 3600) }, body: '{}' })
  await action({ 'rate-limit-max-wait': '60' }, { ...realHttpDeps, now: () => now, sleep: async () => undefined })
  x.override = undefined
}, 120_000)

afterAll(async () => {
  await x.close()
  await dd.close()
})

describe('the documentation quotes messages as printed', () => {
  test('the sections that quote messages are found on their pages', () => {
    expect(QUOTING).toEqual(
      expect.arrayContaining([
        { page: 'docs/actions.md', heading: 'Exit status and what you see in the log' },
        { page: 'docs/troubleshooting.md', heading: 'Troubleshooting' }
      ])
    )
  })

  for (const { page, heading } of QUOTING) {
    test(`every message quoted in "${heading}" (${page}) is printed by the program`, () => {
      const quotes = quotedMessages(section(page, heading))
      // The two long tables quote at least eight messages each; a section added later, at least one.
      expect(quotes.length).toBeGreaterThanOrEqual(['docs/actions.md', 'docs/troubleshooting.md'].includes(page) ? 8 : 1)
      const missing = quotes.filter((quote) => !printed.some((text) => asPrinted(quote).test(text)) && !inSource(quote))
      expect(missing).toEqual([])
    })
  }

  test('a quote the program does not print is caught', () => {
    const invented = 'these entries in accounts are not a valid X username'
    expect(printed.some((text) => asPrinted(invented).test(text)) || inSource(invented)).toBe(false)
  })
})
