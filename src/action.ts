/** The GitHub Action adapter: read inputs, mask secrets, run the pipeline, report. Nothing else. */
import * as core from '@actions/core'
import { context } from '@actions/github'
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { runCollection, type RunReport } from './collect.js'
import { parseConfig, readSettings, secretValues } from './config.js'
import { ConfigError } from './errors.js'
import { realHttpDeps, type HttpDeps } from './http.js'
import type { Logger } from './log.js'
import { saveUndelivered, undeliveredMessage } from './undelivered.js'
import { summaryRows } from './summary.js'

const actionLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message, fields) => core.warning(message, fields?.account ? { title: `${fields.network ?? ''} account ${fields.account}`.trim() } : undefined),
  error: (message) => core.error(message),
  group: (name, task) => core.group(name, task)
}

/**
 * What the action takes from outside besides its inputs: the network and clock, and the runner's
 * environment (RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, …). Inputs, outputs, masks and log
 * lines go through @actions/core, which reads and writes the process's own environment and stdout.
 */
export interface ActionDeps {
  http: HttpDeps
  env: NodeJS.ProcessEnv
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  // @actions/github reads the environment once, when first imported; build a fresh Context for this run.
  const current = new (context.constructor as new () => typeof context)()
  // context.repo throws outside a workflow; check the variable it reads first.
  if (!current.runId || !env.GITHUB_REPOSITORY) return undefined
  const { owner, repo } = current.repo
  return `${current.serverUrl}/${owner}/${repo}/actions/runs/${current.runId}`
}

async function writeSummary(report: RunReport, env: NodeJS.ProcessEnv): Promise<void> {
  const file = env.GITHUB_STEP_SUMMARY
  if (!file) return
  const header = ['account', 'network', 'followers', 'following', 'posts', 'listed', 'status'].map((data) => ({ data, header: true }))
  const url = runUrl(env)
  core.summary
    .addHeading('twitter-stats', 2)
    .addRaw(
      `${report.collected} collected, ${report.failed} failed, ${report.delivery?.sent ?? 0} series ${report.delivery && report.delivery.requests === 0 ? 'printed (dry run)' : 'sent'}.`,
      true
    )
    .addTable([header, ...summaryRows(report)])
  if (report.problems.length > 0) core.summary.addList(report.problems)
  if (url) core.summary.addLink('This run', url)
  // Appended by us, not core.summary.write(), which caches the first file it was given for the life of the process.
  appendFileSync(file, core.summary.stringify())
  core.summary.emptyBuffer()
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

  core.setOutput('accounts-collected', 0)
  core.setOutput('accounts-failed', 0)
  core.setOutput('metrics', '[]')
  let config
  try {
    config = parseConfig(raw)
  } catch (error) {
    if (error instanceof ConfigError) {
      core.setFailed(error.message)
      return
    }
    throw error
  }

  const report = await runCollection(config, { http: deps.http, logger: actionLogger })
  core.setOutput('accounts-collected', report.collected)
  core.setOutput('accounts-failed', report.failed)
  core.setOutput('metrics', JSON.stringify(report.records))
  reportUndelivered(report, deps.env)
  await writeSummary(report, deps.env)
  if (!report.ok) core.setFailed(report.problems.join('\n'))
}
