/**
 * The one secret masker. Every message that may carry a server's words goes through it before it is
 * logged, written to the summary or an output, or thrown. It masks messages, never data before it is
 * parsed: a token that happens to equal a username must not corrupt that account's answer.
 */

/** Shorter values are not credentials (X, Datadog and AWS keys are 20 characters or more); masking them would mangle ordinary words. */
export const MIN_SECRET_LENGTH = 8

export const MASK = '***'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** Matches hex digits in either case: servers differ on \u00E9 or \u00e9, %2F or %2f. */
function hex(value: number, width: number): string {
  return [...value.toString(16).padStart(width, '0')].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join('')
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&(?:#39|apos);' }

/**
 * Every spelling of one character a server may echo: raw, JSON-escaped (\" \/ \n), \u-escaped in
 * either case, URL-encoded in either case (and "+" for a space), or an HTML character reference.
 * Characters are matched one by one, so an echo that mixes spellings (Go escapes only & < >) is
 * matched as well as one that uses a single spelling throughout.
 */
function characterPattern(char: string): string {
  const forms = new Set<string>([escapeRegExp(char)])
  if (JSON_ESCAPES[char]) forms.add(escapeRegExp(JSON_ESCAPES[char]))
  forms.add([...Array(char.length).keys()].map((i) => `\\\\u${hex(char.charCodeAt(i), 4)}`).join(''))
  if (char.length === 1 && char.charCodeAt(0) < 0x80) {
    forms.add(`%${hex(char.charCodeAt(0), 2)}`)
  } else {
    forms.add([...Buffer.from(char, 'utf8')].map((byte) => `%${hex(byte, 2)}`).join(''))
  }
  if (char === ' ') forms.add('\\+')
  if (HTML_ENTITIES[char]) forms.add(HTML_ENTITIES[char])
  const point = char.codePointAt(0) ?? 0
  forms.add(`&#0*${point};`)
  forms.add(`&#[xX]0*${hex(point, 1)};`)
  return `(?:${[...forms].join('|')})`
}

/** A pattern matching `secret` in any mix of the spellings a server may echo it in. */
export function echoPattern(secret: string): string {
  return [...secret].map(characterPattern).join('')
}

/** Decodes every valid run of %XX escapes, leaving a stray % as it is (as lenient servers do). */
function urlDecoded(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
}

/**
 * The spellings a secret is masked in: itself and, when it is URL-encoded (real X bearer tokens are:
 * …%2B…%3D…), what a server that decodes it echoes, with "+" kept or read as a space. Each spelling is
 * then matched in every escape echoPattern knows, so a decoded "+" is caught raw, as %2B, \u002b or &#43;.
 */
export function spellingsOf(secret: string): string[] {
  const decoded = [urlDecoded(secret), urlDecoded(secret.replace(/\+/g, '%20'))]
  return [...new Set([secret, ...decoded])].filter((spelling) => spelling.length >= MIN_SECRET_LENGTH)
}

export interface Masker {
  (text: string): string
  /** Adds values to mask from now on (for example secrets read later from a secret store). */
  add(values: readonly (string | undefined)[]): void
  /** The values masked, each secret with its decoded spellings, for adapters that must also register them elsewhere (core.setSecret). */
  readonly values: readonly string[]
}

function buildMasker(secrets: readonly (string | undefined)[], onAdd: (values: readonly string[]) => void): Masker {
  let values: string[] = []
  // Built when next used, not on every add: maskEverySecret's masker takes the secrets of every masker of the process.
  let pattern: RegExp | undefined
  let stale = false
  const patterns = new Map<string, string>()
  const current = (): RegExp | undefined => {
    if (!stale) return pattern
    stale = false
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...values].sort((a, b) => b.length - a.length)
    const echo = (value: string): string => {
      const known = patterns.get(value) ?? echoPattern(value)
      patterns.set(value, known)
      return known
    }
    pattern = sorted.length > 0 ? new RegExp(sorted.map(echo).join('|'), 'g') : undefined
    return pattern
  }
  const mask = ((text: string): string => {
    const now = text.length > 0 ? current() : undefined
    return now ? text.replace(now, MASK) : text
  }) as Masker
  mask.add = (more) => {
    const added = more.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).flatMap(spellingsOf)
    if (added.every((value) => values.includes(value))) return
    values = [...new Set([...values, ...added])]
    stale = true
    onAdd(added)
  }
  Object.defineProperty(mask, 'values', { get: () => values })
  mask.add(secrets)
  return mask
}

/**
 * Every secret any masker of this process was given. The functions that cut text (src/text/foreign-text.ts) mask
 * with it before they cut, so a secret echoed in a long value is masked whole, never cut to a prefix no masker knows.
 */
const everySecret = buildMasker([], () => undefined)

/** Masks every secret any masker of this process knows; what the cutting functions apply before they cut. */
export function maskEverySecret(text: string): string {
  return everySecret(text)
}

/** Builds a masker for these secrets and their decoded spellings; values shorter than MIN_SECRET_LENGTH are ignored. Its secrets join maskEverySecret's. */
export function createMasker(secrets: readonly (string | undefined)[] = []): Masker {
  return buildMasker(secrets, (added) => everySecret.add(added))
}

/** Masks every string in a value however deep (a JSON log line, a report): keys stay, values are masked. */
export function maskDeep(value: unknown, mask: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return mask(value)
  // Our own reports are shallow; anything deeper is not ours to print.
  if (depth > 64) return '[too deep]'
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask, depth + 1))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [mask(key), maskDeep(item, mask, depth + 1)]))
  }
  return value
}
