/**
 * The state in the GitHub Actions cache, through @actions/cache: GitHub's own client, so the service's protocol
 * (since 2025 the results service's twirp calls and a signed blob upload and download) is the library's, not
 * ours. Imported only where the action keeps its state in the cache, so nothing else loads the blob client.
 *
 * Keys are immutable: each run saves under a key of its own (./cache-key.ts) and restores the newest by prefix;
 * a newest key other than the one this run restored is another run's save (newer()).
 * The library reports its failures by logging them (and retries some for half a minute) rather than throwing: each
 * call here runs with the library's output collected, not printed, and within a time budget, and what went wrong
 * becomes one StateStoreError that says what it means for the run.
 */
import * as cache from '@actions/cache'
import { AsyncLocalStorage } from 'node:async_hooks'
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { seconds } from '../http/errors.js'
import { messageOf } from '../text/errors.js'
import { oneLine } from '../text/foreign-text.js'
import { cacheKeyOfRun, cacheUnavailableReason, WORKFLOW_OVERLAP_ADVICE } from './cache-key.js'
import { MAX_STATE_BYTES, StateStoreError, type StateStore } from './store.js'

/** The longest a load may take: a state of a few MiB comes in a second or two. */
export const MAX_LOAD_MS = 30_000
/** The longest a save may take. */
export const MAX_SAVE_MS = 60_000

export interface CacheStoreOptions {
  /** Every key of this state starts with it (cacheKeyPrefix). */
  prefix: string
  /** The runner's variables (GITHUB_RUN_ID, the token); @actions/cache itself reads process.env, the same on a runner. */
  env: NodeJS.ProcessEnv
  /** A folder at the same path on every run of the job (RUNNER_TEMP/…): the cache's version hashes the archived path. */
  dir: string
  now: () => number
  /** Milliseconds a load or a save may take, asked as it starts: what is left of the run's time. */
  budgetMs: () => number
}

export interface CacheStore extends StateStore {
  /** True while a call given up at its budget still runs: the process may exit without waiting for it. */
  readonly abandoned: boolean
}

interface Outcome<T> {
  value?: T
  /** What went wrong, in a few words, when something did. */
  problem?: string
  /** True when the entry was there but could not be unpacked: a damaged entry, to be replaced. */
  damaged?: boolean
}

const libraryOutput = new AsyncLocalStorage<string[]>()

/**
 * Runs `call` with what @actions/core writes on its behalf collected in `sink`. The collecting is tied to the
 * call's async context, so lines the rest of the run writes meanwhile (or after a call is given up) pass as usual.
 */
function quietly<T>(sink: string[], call: () => Promise<T>): Promise<T> {
  const stdout = process.stdout
  const own = Object.getOwnPropertyDescriptor(stdout, 'write')
  const previous = stdout.write.bind(stdout) as (...args: unknown[]) => boolean
  const quiet = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const lines = libraryOutput.getStore()
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    // The library masks the signed URLs it is handed: those commands still reach the runner.
    if (!lines || text.startsWith('::add-mask::')) return previous(chunk, ...rest)
    lines.push(...text.split('\n').filter((line) => line.trim() !== ''))
    return true
  }
  Object.defineProperty(stdout, 'write', { value: quiet, configurable: true, writable: true })
  const work = libraryOutput.run(sink, call)
  const restore = (): void => {
    if (stdout.write !== (quiet as unknown)) return
    if (own) Object.defineProperty(stdout, 'write', own)
    else Reflect.deleteProperty(stdout, 'write')
  }
  work.then(restore, restore)
  return work
}

/** A workflow command's message (`::warning::text`, escaped as @actions/core escapes it), or a plain line. */
function messageOfLine(line: string): string {
  const [, message] = /^::(?:warning|error)[^:]*::(.*)$/.exec(line) ?? []
  if (message === undefined) return line
  return message.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** The library's account of a failure: its warnings and errors, and its "Failed to …" and retry lines. */
function failureIn(lines: readonly string[]): string | undefined {
  const failures = lines.filter((line) => /^::(warning|error)/.test(line) || /^(Failed to (save|restore)|Attempt \d+ of \d+ failed)/.test(line))
  const telling = failures.find((line) => /Failed to (save|restore)/.test(line)) ?? failures.at(-1)
  return telling === undefined ? undefined : messageOfLine(telling)
}

/** A few words for a user from the library's message: the status the service gave, and the message cut short, URLs out. */
function describeFailure(text: string): { problem: string; damaged: boolean } {
  const detail = oneLine(text.replace(/\bhttps?:\/\/\S+/g, '<url>').replace(/\.? Retrying request in \d+ ms\.*$/, ''), 200)
  if (/\btar\b|zstd|Incomplete download|unexpected end|not in gzip format/i.test(text)) {
    return { problem: `the saved archive could not be unpacked: ${detail}`, damaged: true }
  }
  if (/Rate limited|\(429\)/.test(text)) return { problem: `the cache service answered 429 Too Many Requests: ${detail}`, damaged: false }
  const status = /\((\d{3})\)|responded with (\d{3})|status code (\d{3})/.exec(text)
  const code = status?.slice(1).find(Boolean)
  return { problem: code ? `the cache service answered ${code}: ${detail}` : detail, damaged: false }
}

export function createCacheStore(options: CacheStoreOptions): CacheStore {
  const file = join(options.dir, 'state.json')
  let running = 0
  // After a load that failed for the service's sake, no save: the state saved before stays the newest, for the next run.
  let saving = true
  // The key of the entry this run last restored or saved: a newer key under the prefix is another run's save.
  let seenKey: string | undefined

  async function bounded<T>(call: () => Promise<T>, ms: number): Promise<Outcome<T>> {
    const lines: string[] = []
    const work = quietly(lines, call)
    running++
    const done = (): void => void running--
    work.then(done, done)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
    try {
      const result = await Promise.race([work.then((value) => ({ value })), timeout])
      if (result === 'timeout') {
        const last = failureIn(lines)
        const { problem } = last ? describeFailure(last) : { problem: 'no answer' }
        return { problem: `${problem}; given up after ${seconds(ms)} s` }
      }
      const failure = failureIn(lines)
      return failure ? { value: result.value, ...describeFailure(failure) } : { value: result.value }
    } catch (error) {
      return describeFailure(messageOf(error))
    } finally {
      clearTimeout(timer)
    }
  }

  const budget = (max: number): number => Math.max(1, Math.min(max, options.budgetMs()))

  /** Restores the newest entry of `key` (exactly, or by the restore keys as prefixes) to the state file. */
  async function restore(key: string, restoreKeys: string[]): Promise<Outcome<string | undefined>> {
    rmSync(file, { force: true })
    const ms = budget(MAX_LOAD_MS)
    const outcome = await bounded(() => cache.restoreCache([file], key, restoreKeys, { timeoutInMs: ms, segmentTimeoutInMs: ms }), ms)
    if (outcome.value !== undefined) seenKey = outcome.value
    return outcome
  }

  /** The restored state file's bytes, or undefined when no entry was restored; a damaged entry is a StateStoreError. */
  function restoredState(outcome: Outcome<string | undefined>): Uint8Array | undefined {
    const damaged = (why: string): StateStoreError =>
      new StateStoreError(`The state in the Actions cache is damaged (${why}); this run saves a new one in its place.`)
    if (outcome.problem) throw damaged(outcome.problem)
    if (outcome.value === undefined) return undefined
    // lstat: a link in the restored entry is not followed (to a /proc file that lies about its size, or elsewhere).
    const stat = lstatSync(file, { throwIfNoEntry: false })
    if (!stat?.isFile()) throw damaged(`the entry ${outcome.value} holds no state file`)
    const size = stat.size
    if (size > MAX_STATE_BYTES) throw damaged(`${size.toLocaleString('en-US')} bytes, more than a state's ${MAX_STATE_BYTES.toLocaleString('en-US')}`)
    return readFileSync(file)
  }

  return {
    where: 'the Actions cache',
    overlapAdvice: WORKFLOW_OVERLAP_ADVICE,
    get abandoned() {
      return running > 0
    },

    async load() {
      const unavailable =
        cacheUnavailableReason(options.env) ??
        (cache.isFeatureAvailable() ? undefined : 'The Actions cache is not available to this step: this run keeps no state.')
      if (unavailable) {
        saving = false
        throw new StateStoreError(unavailable)
      }
      const outcome = await restore(options.prefix, [options.prefix])
      if (outcome.problem && !outcome.damaged) {
        saving = false
        throw new StateStoreError(
          `The state could not be read from the Actions cache (${outcome.problem}); this run saves none, so the next run reads the state saved before.`
        )
      }
      return restoredState(outcome)
    },

    async newer() {
      if (!saving) return undefined
      // A look at the newest entry's key first: no download unless another run saved since.
      const ms = budget(MAX_LOAD_MS)
      const lookup = await bounded(() => cache.restoreCache([file], options.prefix, [options.prefix], { lookupOnly: true, timeoutInMs: ms }), ms)
      if (lookup.problem) throw new StateStoreError(`The Actions cache could not be asked for a newer state (${lookup.problem}).`)
      if (lookup.value === undefined || lookup.value === seenKey) return undefined
      const outcome = await restore(lookup.value, [])
      if (outcome.problem && !outcome.damaged) throw new StateStoreError(`The newer state in the Actions cache could not be read (${outcome.problem}).`)
      return restoredState(outcome)
    },

    async save(bytes) {
      if (!saving) return
      mkdirSync(options.dir, { recursive: true, mode: 0o700 })
      // The path is fixed (the cache's version hashes it), so whatever stands there is removed, never followed, and
      // the file is created anew: exclusively, readable by the owner only.
      rmSync(file, { force: true })
      writeFileSync(file, bytes, { flag: 'wx', mode: 0o600 })
      const key = cacheKeyOfRun(options.prefix, options.env, options.now())
      const outcome = await bounded(() => cache.saveCache([file], key), budget(MAX_SAVE_MS))
      if (outcome.problem || outcome.value === undefined || outcome.value === -1) {
        throw new StateStoreError(
          `The state could not be saved to the Actions cache (${outcome.problem ?? 'the cache service did not take it'}); the next run reads the state saved before this one.`
        )
      }
      seenKey = key
    }
  }
}
