/** The GitHub Action adapter: read inputs, mask secrets, run the pipeline, report. Nothing else. */
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { readAccountsFile } from '../config/accounts-file.js'
import { runCollection, type RunReport } from '../run/pipeline.js'
import { parseConfig } from '../config/parse.js'
import { readSettings, secretValues } from '../config/settings.js'
import { ConfigError, messageOf } from '../text/errors.js'
import { forWorkflowLog, jsonForTerminal } from '../text/foreign-text.js'
import { maskEverySecret } from '../text/masker.js'
import { realHttpDeps, type HttpDeps } from '../http/send.js'
import { createMasker } from '../text/masker.js'
import { saveUndelivered, undeliveredMessage, unsavedMessage } from '../run/undelivered.js'
import { payloadOf } from '../datadog/series.js'
import { verdict } from '../run/verdict.js'
import { createActionLogger } from './log.js'
import { actionStateStore } from './state-store.js'
import { setInitialOutputs, setRunOutputs } from './outputs.js'
import { appendSummary, configErrorSummary, runSummary, summaryBudget, summaryRunUrl, unexpectedErrorSummary } from './summary.js'

/**
 * What the action takes from outside besides its inputs: the network and clock, and the runner's
 * environment (RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, …). Inputs, outputs, masks and log
 * lines go through @actions/core, which reads and writes the process's own environment and stdout.
 */
export interface ActionDeps {
  http: HttpDeps
  env: NodeJS.ProcessEnv
  /**
   * Ends the step (process.exit for the runner): called only when a call to the Actions cache was given up at its
   * budget and still runs, so the step does not wait for the cache client's own retries to end.
   */
  exit?: () => void
}

/**
 * Writes series Datadog refused to a file a later step can re-send within Datadog's one-hour window, and
 * returns how to. A notice, not another error: the problem that kept them back was said once already.
 */
function reportUndelivered(report: RunReport, env: NodeJS.ProcessEnv, baseUrl: string, safe: (text: string) => string): string | undefined {
  const undelivered = report.delivery?.undelivered ?? []
  if (undelivered.length === 0) return undefined
  const saved = saveUndelivered(undelivered, env.RUNNER_TEMP || tmpdir())
  if ('problem' in saved) {
    // Never lost: the body goes to the log, one line of JSON (masked, and no line the runner would act on).
    const message = unsavedMessage(undelivered.length, saved.problem, 'in the log, on the line after this notice', baseUrl)
    core.notice(safe(message))
    core.info(jsonForTerminal(maskEverySecret(payloadOf(undelivered))))
    return message
  }
  core.setOutput('undelivered-file', saved.file)
  const message = undeliveredMessage(undelivered.length, saved.file, ' (output undelivered-file)', baseUrl)
  core.notice(safe(message))
  return message
}

export async function run(deps: ActionDeps = { http: realHttpDeps, env: process.env, exit: () => process.exit() }): Promise<void> {
  // Mask every secret before anything can be logged, including parse errors.
  const raw = readSettings((spec) => core.getInput(spec.input))
  // The runner masks the log, not the summary file: every summary goes through the masker too.
  const mask = createMasker(secretValues(raw))
  // The runner masks what it is told: each secret, and the spellings a decoding server would echo it in.
  for (const secret of new Set([...secretValues(raw), ...mask.values])) core.setSecret(secret)

  setInitialOutputs(deps.env)
  // A summary that cannot be written (a full disk, a path that is a folder) fails the run at its end, saying so; it never stops the run.
  let summaryFailure: string | undefined
  const summarize = (html: string): void => {
    try {
      appendSummary(mask(html), deps.env)
    } catch (error) {
      summaryFailure ??= `The job summary could not be written to GITHUB_STEP_SUMMARY (${deps.env.GITHUB_STEP_SUMMARY}): ${messageOf(error)}. The log and the outputs are complete; check the runner's disk and environment.`
    }
  }
  // The runner masks the raw value only; our masker also catches escaped echoes, and forWorkflowLog keeps lines from reading as commands.
  const logger = createActionLogger(mask)
  const safe = (text: string): string => forWorkflowLog(mask(text))
  const url = summaryRunUrl(deps.env)
  let abandoned = false
  try {
    abandoned = await collectAndReport(deps, raw, { summarize, logger, safe, url })
  } finally {
    if (summaryFailure) core.setFailed(safe(summaryFailure))
  }
  if (abandoned) deps.exit?.()
}

interface Reporting {
  summarize: (html: string) => void
  logger: ReturnType<typeof createActionLogger>
  safe: (text: string) => string
  url: string | undefined
}

/** Runs and reports; true when a state call given up at its budget still runs in the background. */
async function collectAndReport(deps: ActionDeps, raw: ReturnType<typeof readSettings>, { summarize, logger, safe, url }: Reporting): Promise<boolean> {
  let config
  try {
    config = parseConfig(raw, await readAccountsFile(raw, { base: deps.env.GITHUB_WORKSPACE || process.cwd() }))
  } catch (error) {
    if (error instanceof ConfigError) {
      summarize(configErrorSummary(error.problems, url))
      core.setFailed(safe(error.message))
      return false
    }
    throw error
  }

  try {
    const state = await actionStateStore(config, deps.env, deps.http.now, logger)
    const report = await runCollection(config, { http: deps.http, logger, state })
    setRunOutputs(report, deps.env)
    const undelivered = reportUndelivered(report, deps.env, config.datadog.baseUrl, safe)
    summarize(runSummary(report, { undelivered, runUrl: url }, summaryBudget(deps.env)))
    // Each problem has had its own annotation with what to do; the step's failure lists them in a line.
    if (!report.ok) core.setFailed(safe(`twitter-stats ${verdict(report.problems)}`))
    return state?.abandoned === true
  } catch (error) {
    summarize(unexpectedErrorSummary(`twitter-stats stopped unexpectedly: ${messageOf(error)}.`, url))
    throw error
  }
}
