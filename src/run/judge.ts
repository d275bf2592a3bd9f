/** The exit rules: which outcomes of a run make it fail, each said once with what to do. */
import { NETWORKS, type Failure } from '../model.js'
import { NETWORK_NAMES } from '../config/accounts.js'
import type { DeliveryReport } from '../datadog/series.js'
import { countAccounts } from '../sources/shared.js'
import type { Collection } from '../sources/types.js'

/** Why the run failed, said once: a few words for a verdict line, and the whole message with what to do. */
export interface Problem {
  /** For the verdict line and the step's failure message, for example "X refused the credentials". */
  reason: string
  /** Self-contained: what went wrong, with the values, and what to do. */
  message: string
}

/** How many distinct failure messages a problem quotes before it only counts the rest. */
const QUOTED_FAILURES = 3

/** The distinct messages of `failures`, the first few in full and the rest counted. */
function quoteFailures(failures: Failure[]): string {
  const messages = [...new Set(failures.map((f) => f.message))]
  const more = messages.length - QUOTED_FAILURES
  return messages.slice(0, QUOTED_FAILURES).join(' ') + (more > 0 ? ` (${more} more like these.)` : '')
}

/** The exit rules: which outcomes make the run fail, each said once with what to do. */
export function judge(collection: Collection, delivery: DeliveryReport | undefined, dryRun: boolean): Problem[] {
  const problems: Problem[] = []
  const fatal = collection.failures.filter((f) => f.fatal)
  for (const failure of fatal) {
    const name = NETWORK_NAMES[failure.network]
    problems.push({ reason: `${name} refused the credentials`, message: `${failure.message} Nothing from ${name} was sent to Datadog.` })
  }
  for (const network of NETWORKS) {
    const name = NETWORK_NAMES[network]
    const ofReason = (reason: Failure['reason']): Failure[] =>
      collection.failures.filter((f) => !f.fatal && !f.undelivered && f.network === network && f.reason === reason)
    const limited = ofReason('rate_limited')
    if (limited.length > 0) {
      problems.push({
        reason: `the ${name} rate limit outlasted the allowed wait`,
        message: `The ${name} rate limit outlasted the allowed wait for ${countAccounts(limited)} account(s): ${quoteFailures(limited)}`
      })
    }
    const errors = ofReason('error')
    if (errors.length > 0) {
      const count = countAccounts(errors)
      problems.push({
        reason: `${count} ${name} account(s) could not be collected`,
        message: `${count} ${name} account(s) could not be collected because of errors: ${quoteFailures(errors)} The next run tries them again; if this repeats, check ${name}'s status.`
      })
    }
  }
  // Only when no problem above already explains it: then the run still fails, and says why once.
  if (problems.length === 0 && collection.samples.length === 0) {
    const gone = collection.failures.length > 0 && collection.failures.every((f) => f.reason === 'not_found' || f.reason === 'suspended')
    problems.push({
      reason: 'no account could be collected',
      message: gone
        ? `No account could be collected: all ${countAccounts(collection.failures)} account(s) were not found or are suspended. Check the names in the account list.`
        : 'No account could be collected, so no account metric was sent.'
    })
  }
  if (delivery?.error) problems.push({ reason: 'Datadog did not accept the series', message: delivery.error })
  else if (!dryRun && delivery && delivery.undelivered.length > 0) {
    problems.push({
      reason: `${delivery.undelivered.length} series were not delivered`,
      message: `${delivery.undelivered.length} series were not delivered to Datadog.`
    })
  }
  return problems
}
