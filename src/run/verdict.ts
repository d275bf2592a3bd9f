/** A run's outcome in one line, the same for the CLI's last line, the step's failure and the job summary. */
import type { Problem } from './pipeline.js'

/** "ok", or "failed: " and each problem's reason once, in the order they were found. */
export function verdict(problems: Pick<Problem, 'reason'>[]): string {
  if (problems.length === 0) return 'ok'
  return `failed: ${[...new Set(problems.map((p) => p.reason))].join('; ')}`
}
