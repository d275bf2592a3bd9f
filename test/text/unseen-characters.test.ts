/** Text edges (issue 23, class 7): every line end splits a list, and what cannot be seen is shown as a \u escape. */
import { describe, expect, test } from '@jest/globals'
import { entriesOfFile, parseAccounts, splitAccountList } from '../../src/config/accounts.js'
import { quote } from '../../src/text/errors.js'
import { escapeUnseen } from '../../src/text/foreign-text.js'
import { splitLines } from '../../src/text/lines.js'
import { messageOf } from '../../src/text/errors.js'

const LINE_ENDS: [string, string][] = [
  ['CRLF', '\r\n'],
  ['LF', '\n'],
  ['a bare CR', '\r'],
  ['NEL (U+0085)', '\u0085'],
  ['a line separator (U+2028)', '\u2028'],
  ['a paragraph separator (U+2029)', '\u2029']
]

describe('every line end', () => {
  test.each(LINE_ENDS)('%s ends a line, and a comment before it ends there', (_name, end) => {
    expect(splitLines(`a${end}b`)).toEqual(['a', 'b'])
    expect(entriesOfFile(`# the team${end}jack # founder${end}#nasa${end}bbc`)).toEqual(['jack', 'bbc'])
  })

  test.each(LINE_ENDS)('%s separates entries of the setting', (_name, end) => {
    expect(splitAccountList(`jack${end}nasa`)).toEqual(['jack', 'nasa'])
  })
})

const UNSEEN: [string, string, string][] = [
  ['a zero-width space', 'ja\u200bck', 'ja\\u200bck'],
  ['a zero-width joiner', 'ja\u200dck', 'ja\\u200dck'],
  ['a right-to-left override', 'ja\u202eck', 'ja\\u202eck'],
  ['a right-to-left isolate', 'ja\u2067ck', 'ja\\u2067ck'],
  ['a soft hyphen', 'ja\u00adck', 'ja\\u00adck'],
  ['a Cyrillic а', 'j\u0430ck', 'j\\u0430ck'],
  ['a Greek ο', 'b\u03bfb', 'b\\u03bfb'],
  ['fullwidth letters', '\uff4a\uff41\uff43\uff4b', '\\uff4a\\uff41\\uff43\\uff4b'],
  ['a control character', 'ja\u0007ck', 'ja\\u0007ck']
]

describe('invisible and look-alike characters in errors', () => {
  test.each(UNSEEN)('%s is shown as a \\u escape', (_name, entry, shown) => {
    expect(quote(entry)).toBe(`"${shown}"`)
    const message = messageOf(catchOf(() => parseAccounts(`nasa, ${entry}`)))
    expect(message).toContain(`"${shown}"`)
    expect(message).not.toContain(entry)
  })

  test('a byte-order mark separates entries (as it opens a file): not part of the first one', () => {
    expect(parseAccounts('\ufeffjack').map((a) => a.handle)).toEqual(['jack'])
    expect(quote('\ufeffjack')).toBe('"\\ufeffjack"')
  })

  test('printable ASCII is left as it is, and a cut value says how long it was', () => {
    expect(quote('jack!')).toBe('"jack!"')
    expect(quote('\u200b'.repeat(100), 3)).toBe('"\\u200b\\u200b\\u200b… (100 characters)"')
  })

  test('escapeUnseen leaves no character outside printable ASCII, and the JSON still reads back the same', () => {
    const text = 'a\u200b\u0430\ud83d\ude00\u2028"\\'
    const escaped = escapeUnseen(JSON.stringify(text))
    expect(escaped).toMatch(/^[\x20-\x7e]*$/)
    expect(JSON.parse(escaped)).toBe(text)
  })
})

function catchOf(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}
