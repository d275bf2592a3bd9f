/** A logger that keeps each line as "<level> <message>", for tests that read what a part said. */
import type { Logger } from '../../src/log.js'

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => void lines.push(`info ${m}`),
    warning: (m) => void lines.push(`warning ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    group: (_n, task) => task()
  }
}
