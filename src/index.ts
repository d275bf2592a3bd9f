import * as core from '@actions/core'
import { run } from './action.js'

try {
  await run()
} catch (error) {
  // A bug, not a user error: say so plainly rather than dying with a stack trace only.
  core.setFailed(`twitter-stats stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}. Please report this with the log.`)
}
