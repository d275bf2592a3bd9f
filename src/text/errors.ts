/**
 * Errors a user can act on. Every message says what was wrong, with the offending value
 * (never a secret), and what to do.
 */
/** A user-typed value for an error message (src/text/foreign-text.ts). */
export { quote } from './foreign-text.js'

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `Invalid configuration: ${problems[0]}` : `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
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
