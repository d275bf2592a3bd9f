/**
 * Where the action keeps its state: the Actions cache when `state` is not given or is `cache`, a file (relative to
 * the workspace) for a path, nowhere for `none`. The cache store and @actions/cache with its blob client are
 * imported here only when the state goes to the cache and the runner offers the service, so a run with a file or
 * none, the command line and the Lambda never load them.
 */
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Config } from '../config/parse.js'
import type { Logger } from '../log.js'
import { MIN_DELIVERY_MS } from '../run/deadline.js'
import { cacheKeyPrefix, cacheScopeOf, cacheUnavailableReason, WORKFLOW_OVERLAP_ADVICE } from '../state/cache-key.js'
import { createFileStore } from '../state/file-store.js'
import type { StateStore } from '../state/store.js'

export interface ActionStateStore extends StateStore {
  /** True while a cache call given up at its budget still runs: the step may end without waiting for it. */
  readonly abandoned?: boolean
}

/** What the account list is, for the cache key: the accounts and the lists, as the configuration has them. */
function accountIdentity(config: Config): string[] {
  return [...config.accounts.map((account) => `${account.network}:${account.key}`), ...config.lists.map((list) => `${list.kind}:${list.entry}`)]
}

export async function actionStateStore(config: Config, env: NodeJS.ProcessEnv, now: () => number, logger: Logger): Promise<ActionStateStore | undefined> {
  const location = config.state ?? { kind: 'cache' }
  if (location.kind === 'none') return undefined
  if (location.kind === 'file') return createFileStore(resolve(env.GITHUB_WORKSPACE || process.cwd(), location.path), WORKFLOW_OVERLAP_ADVICE)
  if (location.kind === 's3') {
    logger.warning(
      `state ${location.uri} keeps the state in S3, which only the Lambda does; in a workflow use cache (the default) or a file path. This run keeps no state.`
    )
    return undefined
  }
  // Said here, once, without loading the cache client at all; a line, not a warning: every runner has the cache,
  // so only a step run elsewhere (a test, a local runner) lacks it, where no state is what one expects.
  const unavailable = cacheUnavailableReason(env)
  if (unavailable) {
    logger.info(unavailable)
    return undefined
  }
  // Within the run's deadline; the save at the end gets at least what delivery gets after a run that ran out of time.
  const endBy = now() + config.runTimeoutMs
  const { createCacheStore } = await import('../state/cache-store.js')
  return createCacheStore({
    prefix: cacheKeyPrefix(cacheScopeOf(env, accountIdentity(config), config.metricPrefix)),
    env,
    dir: join(env.RUNNER_TEMP || tmpdir(), 'twitter-stats-state'),
    now,
    budgetMs: () => Math.max(MIN_DELIVERY_MS, endBy - now())
  })
}
