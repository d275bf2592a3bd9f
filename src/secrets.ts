/**
 * The one secret masker. Every message that may carry a server's words goes through it before it is
 * logged, written to the summary or an output, or thrown. It masks messages, never data before it is
 * parsed: a token that happens to equal a username must not corrupt that account's answer.
 */

/** Shorter values are not credentials (X, Datadog and AWS keys are 20 characters or more); masking them would mangle ordinary words. */
export const MIN_SECRET_LENGTH = 8

export const MASK = '***'

/** The spellings in which a server may echo a value back: raw, JSON-escaped, \u-escaped, URL-encoded. */
export function echoForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1)
  const unicode = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
  const forms = [secret, json, unicode, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())]
  // Form-encoding turns spaces into "+".
  forms.push(encodeURIComponent(secret).replace(/%20/g, '+'))
  return [...new Set(forms)]
}

export interface Masker {
  (text: string): string
  /** Adds values to mask from now on (for example secrets read later from a secret store). */
  add(values: readonly (string | undefined)[]): void
  /** The values masked, for adapters that must also register them elsewhere (core.setSecret). */
  readonly values: readonly string[]
}

/** Builds a masker for these secrets; values shorter than MIN_SECRET_LENGTH are ignored. */
export function createMasker(secrets: readonly (string | undefined)[] = []): Masker {
  let values: string[] = []
  let forms: string[] = []
  const mask = ((text: string): string => {
    let out = text
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK)
    // A \u-escaped echo may use upper-case hex digits.
    return out
  }) as Masker
  mask.add = (more) => {
    values = [...new Set([...values, ...more.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)])]
    // Longest first, so a secret that contains another is masked whole.
    forms = [
      ...new Set(values.flatMap((v) => [...echoForms(v), ...echoForms(v).map((f) => (f.includes('\\u') ? f.toUpperCase().replace(/\\U/g, '\\u') : f))]))
    ].sort((a, b) => b.length - a.length)
  }
  Object.defineProperty(mask, 'values', { get: () => values })
  mask.add(secrets)
  return mask
}
