/**
 * The Actions cache's keys for the state, and whether the cache can be used at all: the light half of the cache
 * store, loaded with the action. The heavy half (./cache-store.ts, with @actions/cache and its blob client) is
 * imported only when the state is kept in the cache and the runner offers the service.
 */
import { createHash } from 'node:crypto'

/** What keeps two runs of a workflow from overlapping, for the line an overlap gets (StateStore.overlapAdvice). */
export const WORKFLOW_OVERLAP_ADVICE = 'give the workflow a `concurrency:` group (docs/state.md)'

/** Bumped when the key scheme changes, so a new scheme never restores an entry written under an old one. */
const KEY_SCHEME = 'v1'

export interface CacheScope {
  /** The workflow file (GITHUB_WORKFLOW_REF without its @ref), or its name (GITHUB_WORKFLOW) when that is missing. */
  workflow: string
  /** The job's id (GITHUB_JOB); every job of a matrix has the same one, so the accounts tell them apart. */
  job: string
  /** The accounts collected, as `network:name`, in any order. */
  accounts: readonly string[]
  metricPrefix: string
}

/** The workflow and job of this run, from the runner's variables. */
export function cacheScopeOf(env: NodeJS.ProcessEnv, accounts: readonly string[], metricPrefix: string): CacheScope {
  const ref = env.GITHUB_WORKFLOW_REF?.replace(/@[^@]*$/, '')
  return { workflow: ref || env.GITHUB_WORKFLOW || '', job: env.GITHUB_JOB || '', accounts, metricPrefix }
}

/**
 * Every key of one state starts with this; each run saves under the prefix plus its own run (cache keys are
 * immutable) and restores the newest entry by the prefix. The workflow, the job, the account list and the metric
 * prefix are hashed in, so two workflows, or two jobs of a matrix with different lists, never read or overwrite
 * each other's state, and a key holds no account name. Changing the list starts a new state (docs/state.md).
 */
export function cacheKeyPrefix(scope: CacheScope): string {
  const accounts = [...new Set(scope.accounts)].sort()
  const identity = JSON.stringify([scope.workflow, scope.job, scope.metricPrefix, accounts])
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 20)
  return `twitter-stats-state-${KEY_SCHEME}-${hash}-`
}

/** This run's key: the prefix, the run and its attempt, and the time, so a re-run or a second save never collides. */
export function cacheKeyOfRun(prefix: string, env: NodeJS.ProcessEnv, now: number): string {
  const run = /^\d{1,20}$/.test(env.GITHUB_RUN_ID ?? '') ? env.GITHUB_RUN_ID : 'local'
  const attempt = /^\d{1,6}$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1'
  return `${prefix}${run}-${attempt}-${now}`
}

/**
 * Why the Actions cache cannot be used here, or undefined when it can: the runner hands every step a token and
 * the service's address, and a step without them (not on a runner, a runner without the service) has no cache.
 */
export function cacheUnavailableReason(env: NodeJS.ProcessEnv): string | undefined {
  const hint =
    'this run keeps no state. On a GitHub-hosted runner the cache is always there; elsewhere set the input state to a file path (kept in the workspace) or to none.'
  if (!env.ACTIONS_RUNTIME_TOKEN) return `The Actions cache is not available to this step (ACTIONS_RUNTIME_TOKEN is not set): ${hint}`
  // As @actions/cache decides: the 2025 service (v2) where the runner says so, else the legacy one (GitHub Enterprise Server).
  const v2 = Boolean(env.ACTIONS_CACHE_SERVICE_V2)
  if (!(v2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL)) {
    return `The Actions cache is not available to this step (the runner gives no cache service address, ${v2 ? 'ACTIONS_RESULTS_URL' : 'ACTIONS_CACHE_URL'}): ${hint}`
  }
  return undefined
}
