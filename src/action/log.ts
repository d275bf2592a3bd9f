/**
 * The action's log: workflow commands for warnings and errors, collapsible groups for phases. Every
 * message is masked and made safe for the runner, which acts on lines that look like workflow commands.
 */
import * as core from '@actions/core'
import { networkName } from '../config/accounts.js'
import { forWorkflowLog } from '../text/foreign-text.js'
import type { LogFields, Logger } from '../log.js'

/** An annotation's title: the account a warning is about, or the problem an error is. */
function title(fields: LogFields | undefined, safe: (text: string) => string): core.AnnotationProperties | undefined {
  if (fields?.account) return { title: safe(`${networkName(fields.network)} account ${fields.account}`.trim()) }
  if (typeof fields?.problem === 'string') return { title: safe(fields.problem) }
  return undefined
}

/** A logger for the action whose every message goes through `mask`, then through forWorkflowLog. */
export function createActionLogger(mask: (text: string) => string): Logger {
  const safe = (text: string): string => forWorkflowLog(mask(text))
  return {
    info: (message) => core.info(safe(message)),
    warning: (message, fields) => core.warning(safe(message), title(fields, safe)),
    error: (message, fields) => core.error(safe(message), title(fields, safe)),
    group: (name, task) => core.group(safe(name), task)
  }
}
