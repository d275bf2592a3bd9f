/** The one secret masker: every spelling a server may echo a key in is masked, and nothing else is touched. */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { MASK, MIN_SECRET_LENGTH, createMasker, maskDeep, spellingsOf } from '../../src/text/masker.js'

const KEY = 'dd-Key/with+odd&chars "quoted" 42'

const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())

/** One character as a server might spell it. */
const spellings: ((c: string) => string)[] = [
  (c) => c,
  (c) => JSON.stringify(c).slice(1, -1),
  (c) => JSON.stringify(c).slice(1, -1).replace(/\//g, '\\/'),
  (c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  (c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase()}`).join(''),
  (c) => encodeURIComponent(c),
  (c) => lowerHex(encodeURIComponent(c)),
  (c) => (c === ' ' ? '+' : encodeURIComponent(c)),
  (c) => `&#${c.codePointAt(0)};`,
  (c) => `&#x${c.codePointAt(0)!.toString(16)};`
]

describe('createMasker', () => {
  test.each([
    ['raw', KEY],
    ['JSON-escaped', JSON.stringify(KEY).slice(1, -1)],
    ['JSON-escaped with \\/', JSON.stringify(KEY).slice(1, -1).replace(/\//g, '\\/')],
    ['\\u-escaped, lower-case hex', [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')],
    ['\\u-escaped, upper-case hex', [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join('')],
    ['URL-encoded', encodeURIComponent(KEY)],
    ['URL-encoded, lower-case hex', lowerHex(encodeURIComponent(KEY))],
    ['form-encoded (+ for space)', new URLSearchParams({ k: KEY }).toString().slice(2)],
    ['Go-style JSON (only & < > escaped)', KEY.replace(/&/g, '\\u0026')],
    ['HTML-escaped', KEY.replace(/&/g, '&amp;').replace(/"/g, '&quot;')]
  ])('masks the %s echo of a key', (_name, echo) => {
    const mask = createMasker([KEY])
    const out = mask(`upstream said: ${echo} (end)`)
    expect(out).toBe(`upstream said: ${MASK} (end)`)
  })

  test('masks a key echoed in any mix of spellings, character by character', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 40, unit: 'binary' }),
        fc.array(fc.nat(spellings.length - 1), { minLength: 40, maxLength: 40 }),
        (secret, choice) => {
          const echo = [...secret].map((c, i) => spellings[choice[i]!]!(c)).join('')
          const out = createMasker([secret])(`<<${echo}>>`)
          expect(out).toBe(`<<${MASK}>>`)
        }
      ),
      { numRuns: 100 }
    )
  })

  test('masks a key that is not ASCII, URL-encoded as UTF-8 and \\u-escaped as surrogate pairs', () => {
    const key = 'clé-🔑-secrète'
    const mask = createMasker([key])
    expect(mask(encodeURIComponent(key))).toBe(MASK)
    expect(
      mask(
        JSON.stringify(key)
          .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
          .slice(1, -1)
      )
    ).toBe(MASK)
  })

  test(`ignores values shorter than ${MIN_SECRET_LENGTH} characters, so a short value does not mangle ordinary words`, () => {
    const mask = createMasker(['x', 'abc1234', undefined, ''])
    expect(mask.values).toEqual([])
    expect(mask('https://x.com abc1234')).toBe('https://x.com abc1234')
  })

  test('masks a secret that contains another whole, longest first', () => {
    const mask = createMasker(['token-123456', 'token-123456-long'])
    expect(mask('sent token-123456-long and token-123456 to https://x.com')).toBe(`sent ${MASK} and ${MASK} to https://x.com`)
  })

  test('masks values added later, and keeps the earlier ones', () => {
    const mask = createMasker(['first-secret-1'])
    mask.add(['second-secret-2', undefined])
    expect(mask('first-secret-1 second-secret-2')).toBe(`${MASK} ${MASK}`)
    expect(mask.values).toEqual(['first-secret-1', 'second-secret-2'])
  })

  test('leaves text with no secret exactly as it was, regular-expression characters in a key included', () => {
    const mask = createMasker(['a.b*c+d?e(f)[g]{h}|i^j$k\\l'])
    expect(mask('aXbYcccd?e(f)[g]{h}|i^j$k\\l')).toBe('aXbYcccd?e(f)[g]{h}|i^j$k\\l')
    expect(mask('key a.b*c+d?e(f)[g]{h}|i^j$k\\l.')).toBe(`key ${MASK}.`)
  })

  test('masks a short token with URL-special characters, plain and URL-encoded', () => {
    expect(createMasker(['t0k/en+1'])('auth=Bearer t0k/en+1 and t0k%2Fen%2B1')).toBe(`auth=Bearer ${MASK} and ${MASK}`)
  })

  test('a masker with no secrets returns its input', () => {
    expect(createMasker()('anything %41 \\u0041')).toBe('anything %41 \\u0041')
  })

  test('masks 5 MB of text with several keys in well under a few seconds', () => {
    const keys = Array.from({ length: 7 }, (_, i) => `key-${i}-${'k'.repeat(30)}`)
    const mask = createMasker(keys)
    const text = `${'lorem ipsum %20 \\u0020 &#32; '.repeat(180_000)}${keys[3]}`
    const started = performance.now()
    const out = mask(text)
    expect(out.endsWith(MASK)).toBe(true)
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})

/** The shape of a real X app-only bearer token: URL-encoded, with %2B and %3D in it. */
const X_TOKEN = 'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F'
const DECODED = decodeURIComponent(X_TOKEN)

describe("a secret's URL-decoded spelling", () => {
  test('is what a decoding server echoes: %2B as +, %3D as =', () => {
    expect(DECODED).toContain('0+uSeid+ULv')
    expect(DECODED).toContain('SJSI=EUif')
    expect(spellingsOf(X_TOKEN)).toEqual([X_TOKEN, DECODED])
  })

  test.each([
    ['decoded', DECODED],
    ['decoded, then JSON-escaped with \\u', DECODED.replace(/[+=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
    ['decoded, then HTML-escaped', DECODED.replace(/\+/g, '&#43;').replace(/=/g, '&#x3D;')],
    ['decoded and re-encoded in lower case', DECODED.replace(/\+/g, '%2b').replace(/=/g, '%3d')],
    ['decoded in one place and not in another', DECODED.replace('SJSI=', 'SJSI%3D')],
    ['decoded inside a JSON string', JSON.stringify({ detail: `Invalid token ${DECODED}` })]
  ])('is masked when echoed %s', (_name, echo) => {
    const out = createMasker([X_TOKEN])(`X said: ${echo} (end)`)
    expect(out).not.toContain('uSeid')
    expect(out).not.toContain('EUifiRBk')
    expect(out).toContain(MASK)
  })

  test('is masked with "+" read as a space, as a form decoder reads it', () => {
    const key = 'key+with%2Fslash-and-more'
    expect(spellingsOf(key)).toEqual([key, 'key+with/slash-and-more', 'key with/slash-and-more'])
    const mask = createMasker([key])
    expect(mask('a key with/slash-and-more b')).toBe(`a ${MASK} b`)
    expect(mask('a key+with/slash-and-more b')).toBe(`a ${MASK} b`)
  })

  test('is registered with the other values, so the runner masks it too', () => {
    expect(createMasker([X_TOKEN]).values).toEqual([X_TOKEN, DECODED])
  })

  test('keeps a stray % as it is and decodes the valid escapes around it', () => {
    expect(spellingsOf('100%-sure%2Bkey-abc')).toEqual(['100%-sure%2Bkey-abc', '100%-sure+key-abc'])
    expect(createMasker(['100%-sure%2Bkey-abc'])('got 100%-sure+key-abc')).toBe(`got ${MASK}`)
  })

  test(`is not masked when shorter than ${MIN_SECRET_LENGTH} characters, and a plain secret has no other spelling`, () => {
    expect(spellingsOf('%41%42%43%44%45%46')).toEqual(['%41%42%43%44%45%46'])
    expect(spellingsOf('plain-secret-value')).toEqual(['plain-secret-value'])
    expect(createMasker(['%41%42%43%44%45%46'])('ABCDEF')).toBe('ABCDEF')
  })

  test('leaves "+" and "=" in other text alone', () => {
    expect(createMasker([X_TOKEN])('a+b=c, AAAA+AAAA=')).toBe('a+b=c, AAAA+AAAA=')
  })
})

describe('maskDeep', () => {
  test('masks every string of a nested value, keys included, and leaves numbers alone', () => {
    const mask = createMasker(['secret-value-1'])
    expect(maskDeep({ a: ['x secret-value-1', 3, null], b: { 'secret-value-1': true } }, mask)).toEqual({
      a: [`x ${MASK}`, 3, null],
      b: { [MASK]: true }
    })
  })

  test('stops at a depth no report of ours reaches', () => {
    let deep: unknown = 'secret-value-1'
    for (let i = 0; i < 5_000; i++) deep = [deep]
    expect(() => JSON.stringify(maskDeep(deep, createMasker(['secret-value-1'])))).not.toThrow()
  })
})
