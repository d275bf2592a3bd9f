/** Lines of text from a file or a pasted list, and how to describe them without quoting them. */

/** Every line end text may use: CRLF, LF, a bare CR, NEL (U+0085), and the Unicode line and paragraph separators. */
export const LINE_END = /\r\n|[\n\r\u0085\u2028\u2029]/

export function splitLines(text: string): string[] {
  return text.split(LINE_END)
}

/** Kinds of character a shape names, in the words it uses; punctuation is named by the character itself. */
function kindOf(character: string): string {
  if (/[A-Za-z]/.test(character)) return 'letters'
  if (/[0-9]/.test(character)) return 'digits'
  if (character === ' ' || character === '\t') return 'spaces'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(character)) return 'control characters'
  if (/[\x21-\x7e]/.test(character)) return `'${character}'`
  return 'other characters'
}

const MAX_KINDS = 8

/** "a, b and c" */
function listed(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/**
 * What text looks like without saying what it says: how many lines hold something, and the first one's length and
 * kinds of character in order of appearance ("1 line of 40 characters: letters, '=' and digits"). For a file in
 * which nothing parses, which may be anything (the process environment, a key file), so none of it is quoted.
 */
export function describeShape(text: string): string {
  const lines = splitLines(text).filter((line) => line.trim().length > 0)
  const first = lines[0]
  if (first === undefined) return 'no line with anything in it'
  const kinds = [...new Set([...first].map(kindOf))]
  const shown = kinds.length > MAX_KINDS ? [...kinds.slice(0, MAX_KINDS), 'more'] : kinds
  const count = lines.length === 1 ? '1 line' : `${lines.length} lines, the first`
  return `${count} of ${[...first].length} characters: ${listed(shown)}`
}
