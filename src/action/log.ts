/** The action's log: workflow commands for warnings and errors, collapsible groups for phases. */
import * as core from '@actions/core'
import { networkName } from '../accounts.js'
import type { LogFields, Logger } from '../log.js'

/** An annotation's title: the account a warning is about, or the problem an error is. */
function title(fields: LogFields | undefined): core.AnnotationProperties | undefined {
  if (fields?.account) return { title: `${networkName(fields.network)} account ${fields.account}`.trim() }
  if (typeof fields?.problem === 'string') return { title: fields.problem }
  return undefined
}

export const actionLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message, fields) => core.warning(message, title(fields)),
  error: (message, fields) => core.error(message, title(fields)),
  group: (name, task) => core.group(name, task)
}
