/** The one place that makes a server's words safe for a workflow log, a terminal and the job summary. */
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { MAX_MESSAGE, capText, forHtml, forTerminal, forWorkflowLog, jsonForTerminal, oneLine, quoteValue } from '../../src/text/foreign-text.js'
import { isRunnerCommand } from '../support/runner-commands.js'

describe('forWorkflowLog', () => {
  test.each([
    ['a command on its own line', 'dashboard abc\n::error::pwned'],
    ['a mask that would hide the log', '::add-mask::followers'],
    ['a command after whitespace', '   \t::stop-commands::token'],
    ['a command after a carriage return', 'ok\r::warning::x'],
    ['a command after a Unicode line separator', 'ok\u2028::notice::x'],
    ['a command after a non-breaking space', '\u00a0::error::x'],
    ['the legacy form in the middle of a line', 'see ##[add-mask]followers here'],
    ['the legacy form after a colon', 'x ::##[error]y']
  ])('no line of %s reads as a workflow command', (_name, text) => {
    const out = forWorkflowLog(text)
    // The runner splits on \n and \r only.
    for (const line of out.split(/\r?\n|\r/)) expect(isRunnerCommand(line)).toBe(false)
  })

  test('any text whatever: no line reads as a command, and no line is longer than the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(':', '#', '[', ' ', '\n', '\r', '\u2028', 'a', '\u001b', ']') }), (text) => {
        for (const line of forWorkflowLog(text, 50).split(/\r?\n|\r/)) {
          expect(isRunnerCommand(line)).toBe(false)
          expect(line.length).toBeLessThanOrEqual(50 + ' (… characters)'.length + 6)
        }
      }),
      { numRuns: 500 }
    )
  })

  test('keeps our own line breaks and ordinary text', () => {
    expect(forWorkflowLog('first: one\nsecond: two')).toBe('first: one\nsecond: two')
  })

  test('caps a whole message', () => {
    expect(forWorkflowLog('a\n'.repeat(MAX_MESSAGE)).length).toBeLessThan(MAX_MESSAGE + 100)
  })
})

describe('forTerminal', () => {
  test('removes escape sequences: OSC 52 clipboard writes, screen clears, CSI in its 8-bit form, carriage returns', () => {
    const hostile = 'a\u001b]52;c;ZXZpbA==\u0007b\u001b[2Jc\u009b31md\rе\u202ereversed'
    const out = forTerminal(hostile)
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(out).toContain('ZXZpbA==')
  })

  test('the command line may run as a workflow step: no line of its output reads as a runner command', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(':', '#', '[', ' ', '\n', '\r', 'a', '\u001b') }), (text) => {
        for (const line of forTerminal(text).split(/\r?\n|\r/)) expect(isRunnerCommand(line)).toBe(false)
      }),
      { numRuns: 500 }
    )
  })
})

describe('jsonForTerminal', () => {
  test('leaves no character a terminal acts on, and the JSON still reads back the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const json = jsonForTerminal(JSON.stringify({ text }))
        // eslint-disable-next-line no-control-regex
        expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
        expect(JSON.parse(json)).toEqual({ text })
      })
    )
  })

  test("breaks up the runner's legacy ##[ command, and the JSON still reads back the same", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('#', '[', 'a', ':') }), (text) => {
        const json = jsonForTerminal(JSON.stringify({ text }))
        expect(isRunnerCommand(json)).toBe(false)
        expect(JSON.parse(json)).toEqual({ text })
      }),
      { numRuns: 500 }
    )
  })
})

describe('forHtml', () => {
  test('escapes markup, so a server cannot add elements or attributes to the summary', () => {
    expect(forHtml('<img src=x onerror="alert(1)"> & \'q\'')).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;')
  })

  test('puts the text on one line, so it cannot end an HTML block and start Markdown', () => {
    expect(forHtml('a\n\n# heading\r\n')).not.toMatch(/[\r\n]/)
  })
})

describe('quoteValue', () => {
  test('describes a 5,000-deep array by its shape, without recursing', () => {
    let deep: unknown = 1
    for (let i = 0; i < 5_000; i++) deep = [deep]
    expect(quoteValue(deep)).toBe('an array of 1')
  })

  test.each([
    [null, 'null'],
    [undefined, 'nothing'],
    [true, 'true'],
    [-1.5, '-1.5'],
    [{ a: 1, b: 2 }, 'an object with 2 field(s)'],
    ['two\nlines', '"two lines"']
  ])('quotes %p as %s', (value, quoted) => {
    expect(quoteValue(value)).toBe(quoted)
  })

  test('cuts a long string to about 200 characters and says how long it was', () => {
    const quoted = quoteValue('x'.repeat(2_000_000))
    expect(quoted.length).toBeLessThan(240)
    expect(quoted).toContain('(2000000 characters)')
  })
})

describe('capText and oneLine', () => {
  test('never cut a surrogate pair in half', () => {
    const text = `${'a'.repeat(199)}🔑${'b'.repeat(10)}`
    expect(capText(text)).toBe(`${'a'.repeat(199)}… (${text.length} characters)`)
  })

  test('oneLine leaves no line break of any kind', () => {
    expect(oneLine('a\nb\rc\u2028d\u2029e\u0085f')).toBe('a b c d e f')
  })
})
