/**
 * The AWS Lambda adapter: settings from the environment, secrets from Secrets Manager, the same
 * pipeline as the action, JSON-lines logs. Handler: index.handler in the release zip.
 */
import { runCollection } from '../collect.js'
import { parseConfig, readSettingsFromEnv, secretValues, type RawSettings } from '../config.js'
import { payloadOf, splitSeries } from '../datadog/series.js'
import { ConfigError } from '../errors.js'
import { MAX_MESSAGE, capText } from '../foreign-text.js'
import { realHttpDeps, type HttpDeps } from '../http.js'
import { createJsonLogger, type JsonLogger } from './log.js'
import { fetchSecretFromAws, parseSecretSettings, type FetchSecret } from './secrets.js'
import type { Series } from '../metrics.js'

export interface LambdaResult {
  collected: number
  failed: number
  seriesSent: number
}

export interface LambdaDeps {
  env: NodeJS.ProcessEnv
  http: HttpDeps
  fetchSecret: FetchSecret
  write: (line: string) => void
  /** Milliseconds before Lambda stops the invocation. */
  remainingMs?: () => number
  requestId?: string
}

/** Time kept after a rate-limit wait for the rest of the run to finish before the function's timeout. */
export const DEADLINE_MARGIN_MS = 20_000
/** CloudWatch Logs takes events up to 256 KB; each undelivered line stays well under. */
const UNDELIVERED_LINE_BYTES = 200_000

let cached: { secretId: string; settings: Promise<RawSettings> } | undefined

/** Read once per cold start and reused while warm; a failed read is not cached, so the next invocation retries. */
export function secretSettings(secretId: string, fetchSecret: FetchSecret): Promise<RawSettings> {
  if (cached?.secretId !== secretId) {
    const settings = fetchSecret(secretId).then((text) => parseSecretSettings(text, secretId))
    cached = { secretId, settings }
    settings.catch(() => {
      if (cached?.settings === settings) cached = undefined
    })
  }
  return cached.settings
}

/** After a failed run the secret is read again, so a rotated key is picked up without waiting for a cold start. */
export function forgetSecret(): void {
  cached = undefined
}

/** Logs series Datadog refused as POST /api/v2/series bodies, one line each, to re-send within the hour. */
function logUndelivered(logger: JsonLogger, undelivered: Series[]): void {
  if (undelivered.length === 0) return
  const batches = splitSeries(undelivered, { maxRawBytes: UNDELIVERED_LINE_BYTES, maxCompressedBytes: Number.MAX_SAFE_INTEGER })
  batches.forEach((batch, index) => {
    logger.line(
      'error',
      `${undelivered.length} series were not delivered. Field "body" is a POST /api/v2/series body; re-send it within an hour (see the README, "AWS Lambda").`,
      {
        undelivered: batch.length,
        part: `${index + 1}/${batches.length}`,
        body: JSON.parse(payloadOf(batch)) as unknown
      }
    )
  })
}

/** A failure already logged, its message free of secrets. */
export class RunFailedError extends Error {
  override name = 'RunFailedError'
}

export async function runLambda(deps: LambdaDeps): Promise<LambdaResult> {
  const logger = createJsonLogger(deps.write, deps.requestId ? { requestId: deps.requestId } : {})
  const fromEnv = readSettingsFromEnv(deps.env)
  logger.scrub(secretValues(fromEnv))
  const fail = (message: string, problems: string[]): RunFailedError => {
    forgetSecret()
    logger.line('error', message, { problems })
    return new RunFailedError(capText(logger.mask(`${message} ${problems.join(' ')}`), MAX_MESSAGE))
  }

  try {
    let config
    try {
      const secretId = deps.env.SECRET_ID?.trim()
      const raw = secretId ? { ...fromEnv, ...(await secretSettings(secretId, deps.fetchSecret)) } : fromEnv
      logger.scrub(secretValues(raw))
      config = parseConfig(raw)
    } catch (error) {
      if (error instanceof ConfigError) throw fail('twitter-stats cannot start: the configuration is invalid.', error.problems)
      throw error
    }

    if (deps.remainingMs) {
      // A rate-limit wait must end before Lambda's timeout does, or the run dies without a report.
      const budget = Math.max(0, deps.remainingMs() - DEADLINE_MARGIN_MS)
      config.policy = { ...config.policy, maxRateLimitWaitMs: Math.min(config.policy.maxRateLimitWaitMs, budget) }
    }

    const report = await runCollection(config, { http: deps.http, logger })
    logUndelivered(logger, report.delivery?.undelivered ?? [])
    const result: LambdaResult = { collected: report.collected, failed: report.failed, seriesSent: config.dryRun ? 0 : (report.delivery?.sent ?? 0) }
    logger.info(report.ok ? 'Run succeeded.' : 'Run failed.', { ...result, durationMs: report.durationMs, rateLimitRemaining: report.rateLimitRemaining })
    if (!report.ok) throw fail('twitter-stats run failed:', report.problems)
    return result
  } catch (error) {
    if (error instanceof RunFailedError) throw error
    // A bug, not a user error: logged as JSON like the rest, and scrubbed like the rest.
    throw fail('twitter-stats stopped unexpectedly; please report this with the log:', [error instanceof Error ? error.message : String(error)])
  }
}

interface LambdaContext {
  awsRequestId?: string
  getRemainingTimeInMillis?: () => number
}

export async function handler(_event: unknown, context?: LambdaContext): Promise<LambdaResult> {
  return runLambda({
    env: process.env,
    http: realHttpDeps,
    fetchSecret: fetchSecretFromAws,
    write: (line) => process.stdout.write(`${line}\n`),
    remainingMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
    requestId: context?.awsRequestId
  })
}
