/**
 * The one place that makes foreign text (anything a server or an input said) safe to print where it
 * is going: a workflow-command log line, a terminal, the job summary's HTML. Every path also caps it.
 */

/** How much of a server's words a message quotes. */
import { maskEverySecret } from './masker.js'

export const MAX_QUOTE = 200

/** The longest message printed at once (a list of problems, each on its own line). */
export const MAX_MESSAGE = 16_000

/** Where text of this length is cut to `max` characters: never on half of a surrogate pair; undefined when it fits. */
function cutAt(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined
  return /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max
}

/**
 * Masks every secret the process knows, then cuts to `max` characters, saying how long it was. Masking comes
 * first, here, for every caller: a secret cut to a prefix would be a piece no masker recognises.
 */
export function capText(text: string, max = MAX_QUOTE): string {
  const masked = maskEverySecret(text)
  const end = cutAt(masked, max)
  return end === undefined ? masked : `${masked.slice(0, end)}… (${masked.length} characters)`
}

/**
 * JSON text with every character outside printable ASCII written as a \u escape: invisible ones (zero-width,
 * bidirectional controls, a byte-order mark) and look-alikes (Cyrillic а, Greek ο, fullwidth ｊ) show as what they
 * are, so "ja\u200bck" is never printed as a "jack" said to be invalid.
 */
export function escapeUnseen(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A value someone typed, quoted for an error: masked, cut to `max` characters, every unseen character escaped. */
export function quote(value: string, max = 60): string {
  const masked = maskEverySecret(value)
  const end = cutAt(masked, max)
  const shown = escapeUnseen(JSON.stringify(end === undefined ? masked : masked.slice(0, end)))
  return end === undefined ? shown : `${shown.slice(0, -1)}… (${masked.length} characters)"`
}

// C0 and C1 controls (ESC starts terminal sequences; CR and LF start new log lines), DEL, and the
// line and paragraph separators, and the bidirectional overrides that make text read differently from what it is.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** One line, no control characters: safe for a terminal and for a log line the runner reads. */
export function oneLine(text: string, max = MAX_QUOTE): string {
  return capText(text.replace(CONTROL, ' '), max)
}

/**
 * A value from outside, quoted for a message: strings as JSON strings, anything else as a short
 * description of its shape. Never recurses without bound (a 5,000-deep array is just "an array").
 */
export function quoteValue(value: unknown, max = MAX_QUOTE): string {
  if (typeof value === 'string') return JSON.stringify(oneLine(value, max))
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object') return `an object with ${Object.keys(value).length} field(s)`
  return typeof value
}

/** Breaks up what the GitHub runner acts on in a line: `::name::` at its start (after any whitespace), and the legacy `##[name]` anywhere. */
const breakCommands = (line: string): string => line.replace(/^(\s*):(?=:)/, '$1: ').replace(/##\[/g, '# #[')

/** For a log line the GitHub runner reads: never one the runner would take for a workflow command. Lines are kept, each capped. */
export function forWorkflowLog(text: string, max = 4_000): string {
  return forTerminal(text, max)
}

/**
 * For a terminal: no escape sequences, no carriage returns that overwrite a line. Newlines are kept. The command
 * line may run as a workflow step, whose output the runner reads, so runner commands are broken up here too.
 */
export function forTerminal(text: string, max = 4_000, total = MAX_MESSAGE): string {
  return capText(text, total)
    .split('\n')
    .map((line) => breakCommands(oneLine(line, max)))
    .join('\n')
}

// What JSON.stringify leaves as it is but a terminal may act on: DEL, C1 controls (0x9b is CSI), bidirectional overrides.
const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/**
 * JSON text for a terminal: still the same JSON, with the characters a terminal would act on written as \\u
 * escapes, and the runner's legacy `##[` broken up the same way (a `#` occurs only inside JSON strings).
 */
export function jsonForTerminal(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/##\[/g, '#\\u0023[')
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function htmlEntity(character: string): string {
  const entity = HTML[character]
  if (entity === undefined) throw new Error(`forHtml matched ${JSON.stringify(character)}, which its table of entities lacks`)
  return entity
}

/** For the job summary, which GitHub renders as HTML and Markdown. */
export function forHtml(text: string, max = 4_000): string {
  return oneLine(text, max).replace(/[&<>"']/g, htmlEntity)
}
