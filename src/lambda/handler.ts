/**
 * The AWS Lambda adapter: settings from the environment, secrets from Secrets Manager, the same
 * pipeline as the action, JSON-lines logs. Handler: index.handler in the release zip.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { runCollection } from '../run/pipeline.js'
import { parseConfig } from '../config/parse.js'
import { readSettingsFromEnv, secretValues, type RawSettings } from '../config/settings.js'
import { payloadOf, splitSeries } from '../datadog/series.js'
import { ConfigError, messageOf } from '../text/errors.js'
import { MAX_MESSAGE, capText } from '../text/foreign-text.js'
import { realHttpDeps, type HttpDeps } from '../http/send.js'
import { parseS3Uri, readAccountsObject, s3ObjectReader, type ReadObject } from './accounts-s3.js'
import { createJsonLogger, type JsonLogger } from './log.js'
import { lambdaStateStore } from './state-store.js'
import { fetchSecretFromAws, parseSecretSettings, type FetchSecret } from './secrets.js'
import type { Series } from '../model.js'
import { NETWORK_NAMES } from '../config/accounts.js'
import { biggestChanges, biggestChangesLine } from '../state/changes.js'

export interface LambdaResult {
  collected: number
  failed: number
  seriesSent: number
}

export interface LambdaDeps {
  env: NodeJS.ProcessEnv
  http: HttpDeps
  fetchSecret: FetchSecret
  /** Reads the account list object named by ACCOUNTS_S3_URI; the AWS SDK's S3 client when absent. */
  readObject?: ReadObject
  /** The S3 client's settings for the state object (STATE=s3://…); the SDK's defaults when absent. */
  stateClient?: S3ClientConfig
  write: (line: string) => void
  /** Milliseconds before Lambda stops the invocation. */
  remainingMs?: () => number
  requestId?: string
}

/** Time kept between the run's deadline (run-timeout) and the function's timeout, to log what was not delivered. */
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
      `${undelivered.length} series were not delivered. Field "body" is a POST /api/v2/series body; re-send it within an hour (see docs/lambda.md, "What runs, and the logs").`,
      {
        undelivered: batch.length,
        part: `${index + 1}/${batches.length}`,
        body: JSON.parse(payloadOf(batch)) as unknown
      }
    )
  })
}

const NO_ACCOUNTS =
  'no accounts to collect: set ACCOUNTS (the stack parameter Accounts) to a short list, or ACCOUNTS_S3_URI (AccountsS3Uri) to an s3://bucket/key object with one or more accounts a line, or both.'

/** A read made alongside others: its value, or its user-caused problems collected so all are reported at once. */
function settled<T>(result: PromiseSettledResult<T>, problems: string[]): T | undefined {
  if (result.status === 'fulfilled') return result.value
  const reason: unknown = result.reason
  if (!(reason instanceof ConfigError)) throw reason instanceof Error ? reason : new Error(String(reason))
  problems.push(...reason.problems)
  return undefined
}

/** A failure already logged, its message free of secrets. */
export class RunFailedError extends Error {
  override name = 'RunFailedError'
}

export async function runLambda(deps: LambdaDeps): Promise<LambdaResult> {
  const logger = createJsonLogger(deps.write, deps.requestId ? { requestId: deps.requestId } : {}, deps.http.now)
  const fromEnv = readSettingsFromEnv(deps.env)
  logger.scrub(secretValues(fromEnv))
  // `logged` is what the last log line lists: a run's problems were each logged in full already, so there only their reasons.
  const fail = (message: string, problems: string[], logged = problems): RunFailedError => {
    forgetSecret()
    logger.line('error', message, { problems: logged })
    return new RunFailedError(capText(logger.mask(`${message} ${problems.join(' ')}`), MAX_MESSAGE))
  }

  try {
    let config
    let runTimeoutSet = false
    try {
      const s3Uri = deps.env.ACCOUNTS_S3_URI?.trim()
      if (!s3Uri && !fromEnv.accounts) throw new ConfigError([NO_ACCOUNTS])
      // Checked before any request; the list is read on every run (never cached), so an edited object applies at the next run.
      const location = s3Uri ? parseS3Uri(s3Uri) : undefined
      const secretId = deps.env.SECRET_ID?.trim()
      const [secretRead, listRead] = await Promise.allSettled([
        secretId ? secretSettings(secretId, deps.fetchSecret) : Promise.resolve({}),
        location ? readAccountsObject(location, deps.readObject ?? s3ObjectReader()) : Promise.resolve(undefined)
      ])
      const problems: string[] = []
      const fromSecret = settled(secretRead, problems)
      const list = settled(listRead, problems)
      if (problems.length > 0) throw new ConfigError(problems)
      const raw = { ...fromEnv, ...fromSecret }
      runTimeoutSet = raw.runTimeout !== undefined
      logger.scrub(secretValues(raw))
      config = parseConfig(raw, list ? [list] : [])
    } catch (error) {
      if (error instanceof ConfigError) throw fail('twitter-stats cannot start: the configuration is invalid.', error.problems)
      throw error
    }

    if (deps.remainingMs) {
      // The run must end before Lambda's timeout does, with time left to log what was not delivered.
      const budget = Math.max(1000, deps.remainingMs() - DEADLINE_MARGIN_MS)
      config.runTimeoutMs = !runTimeoutSet ? budget : Math.min(config.runTimeoutMs, budget)
    }

    const state = lambdaStateStore(config, deps.http.now, logger, deps.stateClient)
    const report = await runCollection(config, { http: deps.http, logger, state })
    logUndelivered(logger, report.delivery?.undelivered ?? [])
    if (report.state)
      logger.info(
        biggestChangesLine(report.changes ?? [], (network) => NETWORK_NAMES[network]),
        { changes: biggestChanges(report.changes ?? []) }
      )
    const result: LambdaResult = { collected: report.collected, failed: report.failed, seriesSent: config.dryRun ? 0 : (report.delivery?.sent ?? 0) }
    logger.info(report.ok ? 'Run succeeded.' : 'Run failed.', { ...result, durationMs: report.durationMs, rateLimitRemaining: report.rateLimitRemaining })
    if (!report.ok) {
      throw fail(
        'twitter-stats run failed:',
        report.problems.map((p) => p.message),
        report.problems.map((p) => p.reason)
      )
    }
    return result
  } catch (error) {
    if (error instanceof RunFailedError) throw error
    // A bug, not a user error: logged as JSON like the rest, and scrubbed like the rest.
    throw fail('twitter-stats stopped unexpectedly; please report this with the log:', [messageOf(error)])
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
    remainingMs: context?.getRemainingTimeInMillis?.bind(context),
    requestId: context?.awsRequestId
  })
}
