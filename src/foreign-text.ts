/**
 * The one place that makes foreign text (anything a server or an input said) safe to print where it
 * is going: a workflow-command log line, a terminal, the job summary's HTML. Every path also caps it.
 */

/** How much of a server's words a message quotes. */
export const MAX_QUOTE = 200

/** Cuts text to `max` characters, saying how long it was. */
export function capText(text: string, max = MAX_QUOTE): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}

// C0 and C1 controls (ESC starts terminal sequences; CR and LF start new log lines), DEL, and the
// bidirectional overrides that make text read differently from what it is.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

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

/** For a log line the GitHub runner reads: one line, and never one the runner would take for a workflow command. */
export function forWorkflowLog(text: string, max = 4_000): string {
  return text
    .split('\n')
    .map((line) => oneLine(line, max).replace(/^(\s*)::/, '$1: :'))
    .join('\n')
}

/** For a terminal: no escape sequences, no carriage returns that overwrite a line. Newlines are kept. */
export function forTerminal(text: string, max = 4_000): string {
  return text
    .split('\n')
    .map((line) => oneLine(line, max))
    .join('\n')
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** For the job summary, which GitHub renders as HTML and Markdown. */
export function forHtml(text: string, max = 4_000): string {
  return oneLine(text, max).replace(/[&<>"']/g, (c) => HTML[c]!)
}
