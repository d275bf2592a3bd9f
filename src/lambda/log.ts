/**
 * The Lambda's log: one JSON object per line (level, message, account, counts), so CloudWatch Logs
 * Insights finds the fields. Written straight to stdout, because console.log in the Lambda runtime
 * prefixes each line with text and the line would no longer be JSON.
 */
import type { LogFields, Logger } from '../log.js'
import { createMasker, maskDeep, type Masker } from '../text/masker.js'

export type Level = 'info' | 'warning' | 'error'

export interface JsonLogger extends Logger {
  /** A line with any extra fields, for the adapter's own records. */
  line(level: Level, message: string, fields?: Record<string, unknown>): void
  /** Adds values to mask in every later line. */
  scrub(values: string[]): void
  /** The masker every line goes through, for messages the adapter writes elsewhere (a thrown error). */
  readonly mask: Masker
}

/** Each line carries its time (ISO 8601 UTC) unless its fields bring their own, so a copied line still says when. */
export function createJsonLogger(write: (line: string) => void, base: Record<string, unknown> = {}, now: () => number = Date.now): JsonLogger {
  const mask = createMasker()
  const line = (level: Level, message: string, fields: LogFields | Record<string, unknown> = {}): void => {
    const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
    // Every string, however deep, is masked; JSON.stringify escapes control characters, so each entry stays one line.
    write(JSON.stringify(maskDeep({ time: new Date(now()).toISOString(), level, message, ...base, ...defined }, mask)))
  }
  return {
    line,
    mask,
    scrub(values) {
      mask.add(values)
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
