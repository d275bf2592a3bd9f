/**
 * The one bundle entry. Run as `node dist/index.js` (action.yml) it runs the action; imported by the
 * command-line launcher (dist/cli.js) it only exports runCli, so both share one bundle and one
 * copy of every dependency in dist/.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { messageOf } from './text/errors.js'

export { runCli } from './cli/main.js'

/** True when Node was started on this very file, not when another module imports it. */
function startedDirectly(): boolean {
  const entry = process.argv[1]
  if (!entry) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (startedDirectly()) {
  // Loaded only for the action, so the command line does not pay for the Actions toolkit.
  const core = await import('@actions/core')
  try {
    const { run } = await import('./action/main.js')
    await run()
  } catch (error) {
    // A bug, not a user error: say so plainly rather than dying with a stack trace only; the message may quote a server.
    const [{ readSettings, secretValues }, { createMasker }, { forWorkflowLog }] = await Promise.all([
      import('./config/settings.js'),
      import('./text/masker.js'),
      import('./text/foreign-text.js')
    ])
    const mask = createMasker(secretValues(readSettings((spec) => core.getInput(spec.input))))
    const message = messageOf(error)
    core.setFailed(forWorkflowLog(`twitter-stats stopped unexpectedly: ${mask(message)}. Please report this with the log.`))
  }
}
