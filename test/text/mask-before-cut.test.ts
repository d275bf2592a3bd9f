/**
 * Mask first, then cut (issue 23, class 3): a secret echoed inside a long value is masked whole wherever text is
 * capped, never cut to a prefix that no masker (ours or the runner's) recognises. The secret is placed so that every
 * cut would fall inside it.
 */
import { describe, expect, test } from '@jest/globals'
import { describeApiRefusal, describeRefusal } from '../../src/datadog/refusals.js'
import { readCounts } from '../../src/sources/shared.js'
import { capText, forHtml, forTerminal, forWorkflowLog, oneLine, quote, quoteValue } from '../../src/text/foreign-text.js'
import { createMasker } from '../../src/text/masker.js'

const SECRET = 'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F'
createMasker([SECRET])

/** Every piece of the secret of 8 characters or more that could survive a cut. */
function expectNoPiece(text: string): void {
  expect(text).not.toContain(SECRET.slice(0, 8))
  for (let start = 0; start + 8 <= SECRET.length; start += 8) expect(text).not.toContain(SECRET.slice(start, start + 8))
}

/** `before` characters of filler, then the secret, then more filler: a cut at `before + 20` lands inside the secret. */
const around = (before: number): string => `${'x'.repeat(before)}${SECRET}${'y'.repeat(500)}`

describe('every function that caps text masks before it cuts', () => {
  test.each([
    ['capText', (cut: number) => capText(around(cut - 20), cut)],
    ['oneLine', (cut: number) => oneLine(around(cut - 20), cut)],
    ['quote', (cut: number) => quote(around(cut - 20), cut)],
    ['quoteValue', (cut: number) => quoteValue(around(cut - 20), cut)],
    ['forTerminal', (cut: number) => forTerminal(around(cut - 20), cut)],
    ['forWorkflowLog', (cut: number) => forWorkflowLog(around(cut - 20), cut)],
    ['forHtml', (cut: number) => forHtml(around(cut - 20), cut)]
  ])('%s', (_name, cap) => {
    for (const cut of [40, 60, 200, 400]) {
      const shown = cap(cut)
      expect(shown).toContain('***')
      expectNoPiece(shown)
    }
  })
})

describe('the capped fields of foreign answers', () => {
  test('an X count that is a long string holding the token', () => {
    const warnings: string[] = []
    readCounts({ followers_count: around(150) }, [['followers_count', ['followers_count']]], 'X', 'jack', warnings)
    expect(warnings).toHaveLength(1)
    expectNoPiece(warnings[0]!)
  })

  test('a Datadog series error that echoes the key inside a long text', () => {
    for (const status of [400, 403, 413, 500]) expectNoPiece(describeRefusal(status, { errors: [around(180)] }, 'datadoghq.com'))
  })

  test('a Datadog API error (a dashboard call) that echoes the key inside a long text, and a long dashboard id', () => {
    const call = { action: 'update the dashboard', permission: 'dashboards_write' }
    for (const status of [400, 403, 404, 500]) expectNoPiece(describeApiRefusal(status, { errors: [around(180)], id: around(30) }, 'datadoghq.com', call))
  })
})
