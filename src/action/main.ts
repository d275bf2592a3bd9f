/** The GitHub Action adapter: read inputs, mask secrets, run the pipeline, report. Nothing else. */
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { runCollection, type RunReport } from '../collect.js'
import { parseConfig, readSettings, secretValues } from '../config.js'
import { ConfigError } from '../errors.js'
import { forWorkflowLog } from '../foreign-text.js'
import type { Logger } from '../log.js'
import { realHttpDeps, type HttpDeps } from '../http.js'
import { createMasker, type Masker } from '../secrets.js'
import { saveUndelivered, undeliveredMessage } from '../undelivered.js'
import { createActionLogger } from './log.js'
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
function reportUndelivered(report: RunReport, env: NodeJS.ProcessEnv, logger: Logger): void {
  const undelivered = report.delivery?.undelivered ?? []
  if (undelivered.length === 0) return
  const file = saveUndelivered(undelivered, env.RUNNER_TEMP || tmpdir(), Date.now())
  core.setOutput('undelivered-file', file)
  logger.error(undeliveredMessage(undelivered.length, file, ' (output undelivered-file)'))
}

export async function run(deps: ActionDeps = { http: realHttpDeps, env: process.env }): Promise<void> {
  // Mask every secret before anything can be logged, including parse errors.
  const raw = readSettings((spec) => core.getInput(spec.input))
  for (const secret of secretValues(raw)) core.setSecret(secret)
  // The runner masks the log only; our masker also covers the summary, the outputs and escaped echoes.
  const mask: Masker = createMasker(secretValues(raw))
  const logger = createActionLogger(mask)

  core.setOutput('accounts-collected', 0)
  core.setOutput('accounts-failed', 0)
  core.setOutput('metrics', '[]')
  let config
  try {
    config = parseConfig(raw)
  } catch (error) {
    if (error instanceof ConfigError) {
      core.setFailed(forWorkflowLog(mask(error.message)))
      return
    }
    throw error
  }

  const report = await runCollection(config, { http: deps.http, logger })
  core.setOutput('accounts-collected', report.collected)
  core.setOutput('accounts-failed', report.failed)
  core.setOutput('metrics', JSON.stringify(report.records))
  reportUndelivered(report, deps.env, logger)
  await writeSummary(report, deps.env, mask)
  if (!report.ok) core.setFailed(forWorkflowLog(mask(report.problems.join('\n'))))
}
