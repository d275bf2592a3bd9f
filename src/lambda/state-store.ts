/**
 * Where the Lambda keeps its state: the S3 object STATE names (the stack passes one), a file, or none when STATE
 * is not set. The Actions cache is a workflow's only.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import type { Config } from '../config/parse.js'
import { parseS3Uri } from '../config/s3-uri.js'
import type { Logger } from '../log.js'
import { MIN_DELIVERY_MS } from '../run/deadline.js'
import { createFileStore } from '../state/file-store.js'
import { createS3Store, LAMBDA_OVERLAP_ADVICE } from '../state/s3-store.js'
import type { StateStore } from '../state/store.js'

export function lambdaStateStore(config: Config, now: () => number, logger: Logger, client: S3ClientConfig = {}): StateStore | undefined {
  const location = config.state
  if (location === undefined || location.kind === 'none') return undefined
  if (location.kind === 'file') return createFileStore(location.path, LAMBDA_OVERLAP_ADVICE)
  if (location.kind === 'cache') {
    logger.warning(
      "STATE cache keeps the state in the Actions cache, which only a workflow has; the Lambda keeps it in S3: set STATE to s3://bucket/key (the stack parameter StateS3Uri, or leave it empty for the stack's own bucket). This run keeps no state."
    )
    return undefined
  }
  // Within the run's deadline; the save at the end gets at least what delivery gets after a run that ran out of time.
  const endBy = now() + config.runTimeoutMs
  return createS3Store({
    object: parseS3Uri(location.uri, 'STATE (the stack parameter StateS3Uri)', 's3://my-bucket/twitter-stats/state.json'),
    budgetMs: () => Math.max(MIN_DELIVERY_MS, endBy - now()),
    client
  })
}
