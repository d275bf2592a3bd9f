/**
 * The action's log: workflow commands for warnings and errors, collapsible groups for phases. Every
 * message is masked and made safe for the runner, which acts on lines that look like workflow commands.
 */
import * as core from '@actions/core'
import { forWorkflowLog } from '../foreign-text.js'
import type { Logger } from '../log.js'

/** A logger for the action whose every message goes through `mask`, then through forWorkflowLog. */
export function createActionLogger(mask: (text: string) => string): Logger {
  const safe = (text: string): string => forWorkflowLog(mask(text))
  return {
    info: (message) => core.info(safe(message)),
    warning: (message, fields) =>
      core.warning(safe(message), fields?.account ? { title: safe(`${fields.network ?? ''} account ${fields.account}`.trim()) } : undefined),
    error: (message) => core.error(safe(message)),
    group: (name, task) => core.group(safe(name), task)
  }
}
