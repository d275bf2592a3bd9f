/** The GitHub Action adapter: read inputs, mask secrets, run the pipeline, report. Nothing else. */
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { readAccountsFile } from '../accounts-file.js'
import { runCollection, type RunReport } from '../collect.js'
import { parseConfig, readSettings, secretValues } from '../config.js'
import { ConfigError } from '../errors.js'
import { realHttpDeps, type HttpDeps } from '../http.js'
import { saveUndelivered, undeliveredMessage } from '../undelivered.js'
import { actionLogger } from './log.js'
import { setInitialOutputs, setRunOutputs } from './outputs.js'
import { writeSummary } from './summary.js'

/**
 * What the action takes from outside besides its inputs: the network and clock, and the runner's
 * environment (RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, …). Inputs, outputs, masks and log
 * lines go through @actions/core, which reads and writes the process's own environment and stdout.
 */
export interface ActionDeps {
  http: HttpDeps
  env: NodeJS.ProcessEnv
}

/** Writes series Datadog refused to a file a later step can re-send within Datadog's one-hour window. */
function reportUndelivered(report: RunReport, env: NodeJS.ProcessEnv): void {
  const undelivered = report.delivery?.undelivered ?? []
  if (undelivered.length === 0) return
  const file = saveUndelivered(undelivered, env.RUNNER_TEMP || tmpdir(), Date.now())
  core.setOutput('undelivered-file', file)
  core.error(undeliveredMessage(undelivered.length, file, ' (output undelivered-file)'))
}

export async function run(deps: ActionDeps = { http: realHttpDeps, env: process.env }): Promise<void> {
  // Mask every secret before anything can be logged, including parse errors.
  const raw = readSettings((spec) => core.getInput(spec.input))
  for (const secret of secretValues(raw)) core.setSecret(secret)

  setInitialOutputs(deps.env)
  let config
  try {
    config = parseConfig(raw, await readAccountsFile(raw, { base: deps.env.GITHUB_WORKSPACE || process.cwd() }))
  } catch (error) {
    if (error instanceof ConfigError) {
      core.setFailed(error.message)
      return
    }
    throw error
  }

  const report = await runCollection(config, { http: deps.http, logger: actionLogger })
  setRunOutputs(report, deps.env)
  reportUndelivered(report, deps.env)
  await writeSummary(report, deps.env)
  if (!report.ok) core.setFailed(report.problems.join('\n'))
}
