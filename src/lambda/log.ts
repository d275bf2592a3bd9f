/**
 * The Lambda's log: one JSON object per line (level, message, account, counts), so CloudWatch Logs
 * Insights finds the fields. Written straight to stdout, because console.log in the Lambda runtime
 * prefixes each line with text and the line would no longer be JSON.
 */
import { redact } from '../http.js'
import type { LogFields, Logger } from '../log.js'

export type Level = 'info' | 'warning' | 'error'

export interface JsonLogger extends Logger {
  /** A line with any extra fields, for the adapter's own records. */
  line(level: Level, message: string, fields?: Record<string, unknown>): void
  /** Adds values to scrub from every later line. */
  scrub(values: string[]): void
}

/** Replaces every known secret value in strings, however deep, before anything is written. */
export function scrubValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets, 1)
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, secrets)]))
  }
  return value
}

/** Each line carries its time (ISO 8601 UTC) unless its fields bring their own, so a copied line still says when. */
export function createJsonLogger(write: (line: string) => void, base: Record<string, unknown> = {}, now: () => number = Date.now): JsonLogger {
  let secrets: string[] = []
  const line = (level: Level, message: string, fields: LogFields | Record<string, unknown> = {}): void => {
    const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
    write(JSON.stringify(scrubValue({ time: new Date(now()).toISOString(), level, message, ...base, ...defined }, secrets)))
  }
  return {
    line,
    scrub(values) {
      secrets = [...new Set([...secrets, ...values])]
    },
    info: (message, fields) => line('info', message, fields),
    warning: (message, fields) => line('warning', message, fields),
    error: (message, fields) => line('error', message, fields),
    async group(name, task) {
      line('info', name, { phase: 'start' })
      return task()
    }
  }
}
