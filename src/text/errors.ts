/**
 * Errors a user can act on. Every message says what was wrong, with the offending value
 * (never a secret), and what to do.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `Invalid configuration: ${problems[0]}` : `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Shortens a user-typed value for an error message, so a 1 MB entry does not flood the log. */
export function quote(value: string, max = 60): string {
  const shown = value.length > max ? `${value.slice(0, max)}… (${value.length} characters)` : value
  return JSON.stringify(shown)
}

/**
 * The message of anything thrown: an Error's message (also one from another realm, such as a test's sandbox), or
 * the value as text.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message
  return String(error)
}
