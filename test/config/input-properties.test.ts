/**
 * Property-based tests of what users type: the account list and the extra tags. Any string either
 * parses to valid values or fails with a ConfigError naming a bad entry, and nothing typed can add
 * a tag, a header or a URL path segment.
 *
 * The account properties are generic over networks: HANDLE_RULES says what a valid handle is on
 * each network, so a network added to parseAccounts needs only its rule (and its forms) here.
 */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import type { Account } from '../../src/model.js'
import { MAX_ACCOUNTS, parseAccounts, splitAccountList } from '../../src/config/accounts.js'
import { ConfigError, quote } from '../../src/text/errors.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps } from '../../src/http/send.js'
import { MAX_TAGS, RESERVED_TAG_KEYS, accountTags, parseTags, toSeries } from '../../src/series/metrics.js'
import { createXSource } from '../../src/sources/x.js'
import { X_TOKEN, startXStandIn } from '../support/stand-ins.js'

/** What a valid handle is, per network. */
const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const HANDLE_RULES: Record<string, RegExp> = {
  x: /^[A-Za-z0-9_]{1,15}$/,
  bluesky: new RegExp(`(?:${DOMAIN.source})|^did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.-]{1,253})$`),
  mastodon: /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?@(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/
}

const TAG_RULE = /^[A-Za-z][A-Za-z0-9_\-:./]*$/

/** Runs `parse`; returns its value, or the ConfigError it threw (any other error fails the test). */
function outcome<T>(parse: () => T): { value: T } | { error: ConfigError } {
  try {
    return { value: parse() }
  } catch (error) {
    if (error instanceof ConfigError) return { error }
    throw error
  }
}

/**
 * The rules `account` breaks, in words; none for a valid one. The properties check thousands of accounts, and one
 * expect per list (of what its accounts break) costs far less than several per account.
 */
function brokenRules(account: Account, entries: string[]): string[] {
  const rule = HANDLE_RULES[account.network]
  return [
    rule === undefined && 'a network without a handle rule',
    rule !== undefined && !rule.test(account.handle) && `a handle ${String(rule)} does not allow`,
    account.key !== account.key.toLowerCase() && 'a key not in lower case',
    /[\s,;]/.test(account.key) && 'a key with a separator in it',
    // Every account comes from one typed entry.
    !entries.some((entry) => entry.includes(account.handle)) && 'a handle from no typed entry'
  ].filter((broken): broken is string => broken !== false)
}

/** The invariants of any parsed account list. */
function expectValidAccounts(accounts: Account[], text: string): void {
  expect(accounts.length).toBeGreaterThan(0)
  expect(accounts.length).toBeLessThanOrEqual(MAX_ACCOUNTS)
  const entries = splitAccountList(text)
  expect(accounts.flatMap((account) => brokenRules(account, entries).map((broken) => ({ account, broken })))).toEqual([])
  expect(new Set(accounts.map((account) => `${account.network}:${account.key}`)).size).toBe(accounts.length)
}

/** A ConfigError about the account list names one of the entries typed (or says the list is empty or too long). */
function expectNamesAnEntry(error: ConfigError, text: string): void {
  const entries = splitAccountList(text)
  if (entries.length === 0) {
    expect(error.message).toContain('`accounts` is empty')
    return
  }
  const named = entries.some((entry) => error.message.includes(quote(entry)))
  expect(named || /lists \d+ accounts; one run handles at most/.test(error.message)).toBe(true)
}

const separator = fc.constantFrom(',', ';', ' ', '\n', '\t', ', ', ' ;\n', '\r\n')
const xHandle = fc.stringMatching(/^[A-Za-z0-9_]{1,15}$/)
const xForm = xHandle.chain((handle) =>
  fc.constantFrom(handle, `@${handle}`, `https://x.com/${handle}`, `https://twitter.com/${handle}/`, `http://mobile.twitter.com/${handle}?s=20`)
)
/** An entry that is invalid on every network: it holds a character no handle or profile URL allows. */
const junk = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('!', '<', '>', '"', '{', '}', '|', '^', '`', '\\', '\u0000', '\u202e'), fc.string({ maxLength: 20 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`.replace(/[\s,;]/g, ''))
const listOf = (entry: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(entry, { maxLength: 30 }), fc.array(separator, { minLength: 31, maxLength: 31 }))
    .map(([entries, seps]) => entries.map((e, i) => e + seps[i]).join(''))
const validTag = fc.stringMatching(/^[a-z][a-z0-9_\-:./]{0,30}[a-z0-9]$/)
/** Characters that try to break out of a value: separators, URL syntax, header syntax. */
const hostile = fc.string({ unit: fc.constantFrom(...'aZ9_@:/?#&=%.,;+ \t\r\n\u0000"\'<>{}[]\\'.split('')), maxLength: 40 })

describe('parseAccounts on anything a user can type', () => {
  test('any string parses to valid, de-duplicated accounts or fails naming a bad entry', () => {
    const seen = { parsed: 0, refused: 0 }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), hostile, listOf(fc.oneof(xForm, junk, hostile)), listOf(xForm)), (text) => {
        const result = outcome(() => parseAccounts(text))
        if ('value' in result) {
          seen.parsed++
          expectValidAccounts(result.value, text)
        } else {
          seen.refused++
          expectNamesAnEntry(result.error, text)
        }
      }),
      { numRuns: 2000 }
    )
    // Both branches were exercised in earnest.
    expect(seen.parsed).toBeGreaterThan(300)
    expect(seen.refused).toBeGreaterThan(300)
  })

  test('a list of valid X forms parses to its handles, lowercased keys, first spelling kept', () => {
    fc.assert(
      fc.property(
        fc.array(xHandle, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(4), { minLength: 40, maxLength: 40 }),
        separator,
        (handles, forms, sep) => {
          const written = handles.map((h, i) => [h, `@${h}`, `https://x.com/${h}`, `https://twitter.com/${h}/`, `https://www.x.com/${h}?lang=en`][forms[i]!]!)
          const expected: Account[] = []
          for (const handle of handles) {
            if (!expected.some((a) => a.key === handle.toLowerCase())) expected.push({ network: 'x', handle, key: handle.toLowerCase() })
          }
          expect(parseAccounts(written.join(sep))).toEqual(expected)
        }
      ),
      { numRuns: 500 }
    )
  })

  test('one bad entry among valid ones fails the whole list and is named', () => {
    fc.assert(
      fc.property(
        fc.array(xForm, { maxLength: 20 }),
        junk.filter((j) => j.length > 0),
        fc.nat(20),
        separator,
        (valid, bad, at, sep) => {
          const entries = [...valid]
          entries.splice(at % (valid.length + 1), 0, bad)
          const result = outcome(() => parseAccounts(entries.join(sep)))
          expect('error' in result).toBe(true)
          if ('error' in result) expect(result.error.message).toContain(quote(bad))
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('parseTags on anything a user can type', () => {
  test('any string parses to valid, unreserved, unique tags or fails naming the bad tag', () => {
    const tagList = listOf(
      fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_\-:./]{0,30}$/), hostile, fc.constantFrom('account:evil', 'Network:x', 'instance:1', 'team:', ' env:prod '))
    )
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), hostile, tagList), (text) => {
        const entries = text
          .split(/[,\n]/)
          .map((t) => t.trim())
          .filter(Boolean)
        const result = outcome(() => parseTags(text))
        if ('value' in result) {
          const tags = result.value
          expect(new Set(tags).size).toBe(tags.length)
          // One expect per list, of each tag that breaks a rule and the rule.
          const broken = tags.flatMap((tag) =>
            [
              !TAG_RULE.test(tag) && `not ${String(TAG_RULE)}`,
              tag.length > 200 && 'longer than 200 characters',
              tag.endsWith(':') && 'ends with a colon',
              RESERVED_TAG_KEYS.includes(tag.split(':')[0]!.toLowerCase()) && 'a reserved key',
              !entries.includes(tag) && 'not a typed entry'
            ]
              .filter((why): why is string => why !== false)
              .map((why) => ({ tag, why }))
          )
          expect(broken).toEqual([])
        } else if (new Set(entries).size > MAX_TAGS) {
          expect(result.error.message).toContain(`lists ${new Set(entries).size} tags; at most ${MAX_TAGS}`)
        } else {
          expect(entries.some((entry) => result.error.message.includes(quote(entry)))).toBe(true)
        }
      }),
      { numRuns: 2000 }
    )
  })
})

test('more tags than go on a series are refused with the count, not silently multiplied into every series', () => {
  const many = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}:v`).join(',')
  expect(() => parseTags(many)).toThrow(`\`tags\` lists ${MAX_TAGS + 1} tags; at most ${MAX_TAGS}`)
  expect(parseTags(many.split(',').slice(0, MAX_TAGS).join(','))).toHaveLength(MAX_TAGS)
})

describe('nothing typed reaches a tag, header or path it does not own', () => {
  test("every series carries exactly its account's identity tags and the parsed extra tags", () => {
    let checked = 0
    fc.assert(
      fc.property(
        fc.oneof(hostile, listOf(fc.oneof(xForm, hostile)), listOf(xForm)),
        fc.oneof(
          hostile,
          fc.string({ maxLength: 80 }),
          fc.array(validTag, { maxLength: 8 }).map((tags) => tags.join(',\n'))
        ),
        (accountText, tagText) => {
          const accounts = outcome(() => parseAccounts(accountText))
          const tags = outcome(() => parseTags(tagText))
          if (!('value' in accounts) || !('value' in tags)) return
          checked++
          const samples = accounts.value.map((account, i) => ({ account, timestamp: 1_700_000_000, metrics: { followers_count: i } }))
          const series = toSeries(samples, 'twitter', tags.value)
          expect(series).toHaveLength(accounts.value.length)
          series.forEach((s, i) => {
            const account = accounts.value[i]!
            expect(s.tags).toEqual([...accountTags(account), ...tags.value])
            expect(s.tags.filter((t) => /^(account|network|instance):/i.test(t))).toEqual([`account:${account.key}`, `network:${account.network}`])
            for (const tag of s.tags) expect(tag).not.toMatch(/[\s,]/)
          })
        }
      ),
      { numRuns: 1000 }
    )
    expect(checked).toBeGreaterThan(100)
  })

  test('the X request built from parsed accounts has one path, two query parameters and no header from user input', async () => {
    const x = await startXStandIn({})
    let checked = 0
    const deps = { ...realHttpDeps, sleep: async () => {} }
    const source = createXSource({
      auth: { kind: 'bearer', token: X_TOKEN },
      apiUrl: x.url,
      policy: { ...DEFAULT_POLICY, maxRetries: 0, timeoutMs: 2000 },
      concurrency: 1,
      deps
    })
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            hostile,
            listOf(fc.oneof(xForm, hostile)),
            fc.array(xForm, { minLength: 1, maxLength: 250 }).map((forms) => forms.join('\n'))
          ),
          async (text) => {
            const parsed = outcome(() => parseAccounts(text))
            if (!('value' in parsed)) return
            checked++
            const accounts = parsed.value.filter((a) => a.network === 'x')
            const before = x.requests.length
            await source.collect(accounts)
            const requests = x.requests.slice(before)
            expect(requests).toHaveLength(Math.ceil(accounts.length / 100))
            const asked: string[] = []
            for (const request of requests) {
              const url = new URL(request.url, x.url)
              expect(url.pathname).toBe('/2/users/by')
              expect([...url.searchParams.keys()]).toEqual(['usernames', 'user.fields'])
              expect(url.searchParams.get('user.fields')).toBe('public_metrics')
              expect(url.hash).toBe('')
              asked.push(...url.searchParams.get('usernames')!.split(','))
              expect(request.headers.authorization).toBe(`Bearer ${X_TOKEN}`)
              // Only the client's own headers: none named or valued by user input.
              expect(['accept', 'accept-encoding', 'accept-language', 'authorization', 'connection', 'host', 'sec-fetch-mode', 'user-agent']).toEqual(
                expect.arrayContaining(Object.keys(request.headers))
              )
              expect(request.headers['user-agent']).toBe('twitter-stats')
            }
            expect(asked).toEqual(accounts.map((a) => a.handle))
          }
        ),
        { numRuns: 150 }
      )
      expect(checked).toBeGreaterThan(40)
    } finally {
      await x.close()
    }
  })
})

describe('very long lists and entries', () => {
  const many = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

  test(`${MAX_ACCOUNTS} accounts are accepted; one more is refused with the count, the limit and what to do`, () => {
    expect(parseAccounts(many(MAX_ACCOUNTS).join('\n'))).toHaveLength(MAX_ACCOUNTS)
    const error = outcome(() => parseAccounts(many(MAX_ACCOUNTS + 1).join(',')))
    expect('error' in error && error.error.message).toBe(
      `Invalid configuration: \`accounts\` lists ${MAX_ACCOUNTS + 1} accounts; one run handles at most ${MAX_ACCOUNTS}. Split the list across several workflows or steps.`
    )
  })

  test('duplicates collapse before the limit is counted', () => {
    const text = [...many(MAX_ACCOUNTS), ...many(MAX_ACCOUNTS).map((h) => h.toUpperCase())].join(' ')
    expect(parseAccounts(text)).toHaveLength(MAX_ACCOUNTS)
  })

  test('ten thousand bad entries: the first ten are named, the rest counted, the message stays short', () => {
    const result = outcome(() => parseAccounts(many(10_000, 'bad!').join(',')))
    expect('error' in result).toBe(true)
    const message = 'error' in result ? result.error.message : ''
    expect(message).toContain('"bad!0", "bad!1"')
    expect(message).toContain('"bad!9" and 9990 more.')
    expect(message).not.toContain('bad!10"')
    expect(message.length).toBeLessThan(600)
  })

  test('a megabyte-long entry is named by its start and length, not printed whole', () => {
    const long = 'a'.repeat(1_000_000)
    for (const parse of [(): unknown => parseAccounts(long), (): unknown => parseTags(`team:${long}`)]) {
      const result = outcome(parse)
      const message = 'error' in result ? result.error.message : ''
      expect(message).toMatch(/… \(100000\d characters\)/)
      expect(message.length).toBeLessThan(500)
    }
  })

  test('ten thousand extra tags are refused with the limit; duplicates of allowed ones count once', () => {
    expect(() => parseTags(many(10_000, 'team:t').join('\n'))).toThrow(`lists 10000 tags; at most ${MAX_TAGS}`)
    expect(parseTags([...many(MAX_TAGS, 'team:t'), ...many(MAX_TAGS, 'team:t')].join('\n'))).toHaveLength(MAX_TAGS)
  })
})
