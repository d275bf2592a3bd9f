/** The action's log: workflow commands for warnings and errors, collapsible groups for phases. */
import * as core from '@actions/core'
import type { Logger } from '../log.js'

export const actionLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message, fields) => core.warning(message, fields?.account ? { title: `${fields.network ?? ''} account ${fields.account}`.trim() } : undefined),
  error: (message) => core.error(message),
  group: (name, task) => core.group(name, task)
}
