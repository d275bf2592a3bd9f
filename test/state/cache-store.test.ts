/**
 * The state in the Actions cache through @actions/cache itself, against the cache service stand-in on 127.0.0.1:
 * saved under a key per run and restored newest-first by prefix, kept apart per workflow, job and account list,
 * and every fault of the service one StateStoreError, with nothing of the library's own output printed.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cacheKeyPrefix, cacheScopeOf } from '../../src/state/cache-key.js'
import { createCacheStore, type CacheStore } from '../../src/state/cache-store.js'
import { StateStoreError } from '../../src/state/store.js'
import { startCacheServiceStandIn, type CacheServiceStandIn } from '../support/cache-service-stand-in.js'

/** The budget of a call that meets a fault: what a fault that lasts is waited for (a first answer comes in milliseconds). */
const FAULT_BUDGET_MS = 400
/** A call that meets a fault ends by then: before the library's own first retry of a 5xx (after 3 s), so only the budget can end it. */
const FAULT_ENDS_MS = 2_500

const RUNNER = { GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/stats.yml@refs/heads/main', GITHUB_JOB: 'collect', GITHUB_RUN_ATTEMPT: '1' }
const prefixFor = (accounts: string[], env: Record<string, string> = RUNNER, metricPrefix = 'twitter'): string =>
  cacheKeyPrefix(cacheScopeOf(env, accounts, metricPrefix))

describe('the cache key prefix', () => {
  test('is the same for the same workflow, job, list (in any order) and metric prefix, and differs when any of them does', () => {
    const base = prefixFor(['x:jack', 'bluesky:alice.bsky.social'])
    expect(prefixFor(['bluesky:alice.bsky.social', 'x:jack'])).toBe(base)
    expect(base).toMatch(/^twitter-stats-state-v1-[0-9a-f]{20}-$/)
    const others = [
      prefixFor(['x:jack']),
      prefixFor(['x:jack', 'bluesky:alice.bsky.social'], { ...RUNNER, GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/other.yml@refs/heads/main' }),
      prefixFor(['x:jack', 'bluesky:alice.bsky.social'], { ...RUNNER, GITHUB_JOB: 'collect-eu' }),
      prefixFor(['x:jack', 'bluesky:alice.bsky.social'], RUNNER, 'social')
    ]
    expect(new Set([base, ...others]).size).toBe(5)
    // The branch a run is on is not part of it: the cache service scopes entries by branch itself.
    expect(prefixFor(['x:jack'], { ...RUNNER, GITHUB_WORKFLOW_REF: 'octo/stats/.github/workflows/stats.yml@refs/heads/dev' })).toBe(others[0])
  })
})

describe('the Actions cache store', () => {
  let service: CacheServiceStandIn
  let dir: string
  let savedEnv: NodeJS.ProcessEnv
  let printed = ''
  let restoreWrite: () => void
  let run = 100
  const made: CacheStore[] = []

  // What the process prints, for the whole file: a call given up at its budget goes on in the background (a 503 is
  // retried after the library's 3 s), and the store keeps what it prints from reaching the real output only while
  // its own layer over this one stays. So this one stays until no call of the file is still running.
  beforeAll(() => {
    const own = Object.getOwnPropertyDescriptor(process.stdout, 'write')
    const write = (chunk: string | Uint8Array): boolean => ((printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')), true)
    Object.defineProperty(process.stdout, 'write', { value: write, configurable: true, writable: true })
    restoreWrite = () => (own ? Object.defineProperty(process.stdout, 'write', own) : Reflect.deleteProperty(process.stdout, 'write'))
  })
  afterAll(async () => {
    for (const until = Date.now() + 10_000; made.some((cache) => cache.abandoned) && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 50))
    restoreWrite()
  })
  beforeEach(async () => {
    service = await startCacheServiceStandIn()
    dir = mkdtempSync(join(tmpdir(), 'twitter-stats-cache-'))
    savedEnv = process.env
    // @actions/cache reads process.env itself, as on a runner.
    process.env = { PATH: savedEnv.PATH, RUNNER_TEMP: dir, GITHUB_WORKSPACE: dir, ...RUNNER, ...service.env }
    printed = ''
  })
  afterEach(async () => {
    process.env = savedEnv
    await service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function store(prefix: string, options: { budgetMs?: number; now?: number } = {}): CacheStore {
    process.env.GITHUB_RUN_ID = String(++run)
    const cache = createCacheStore({
      prefix,
      env: process.env,
      dir: join(dir, 'twitter-stats-state'),
      now: () => options.now ?? run,
      budgetMs: () => options.budgetMs ?? 20_000
    })
    made.push(cache)
    return cache
  }
  const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'))

  // The faults first: a call given up at its budget goes on for the library's 3 s before its retry, meanwhile the
  // other tests run (the file waits for such calls at its end).
  test.each([
    ['a 503', { twirp: 503 } as const, /answered 503/],
    ['no answer', { twirp: 'silent' } as const, /no answer; given up after 0\.4 s/],
    // A refusal, not a 5xx: the blob SDK would retry a 5xx for half a minute after the test ends.
    ['a blob upload refused (an expired signature)', { blob: 403 } as const, /Server failed to authenticate the request/]
  ])('%s on save: one StateStoreError saying the state saved before stays the next run’s', async (_name, fault, reason) => {
    const prefix = prefixFor(['x:jack'])
    const cache = store(prefix, { budgetMs: FAULT_BUDGET_MS })
    expect(await cache.load()).toBeUndefined()
    service.fault = fault
    const started = Date.now()
    const error = await cache.save(Buffer.from('state')).catch((caught: unknown) => caught)
    expect(Date.now() - started).toBeLessThan(FAULT_ENDS_MS)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(/^The state could not be saved to the Actions cache \(.*\); the next run reads the state saved before this one\.$/)
    expect((error as Error).message).toMatch(reason)
    expect(printed).not.toMatch(/::(warning|error)::/)
  })

  test.each([
    ['a 503 that lasts (retried by the library until the budget ends)', { twirp: 503 } as const, /answered 503.*given up after 0\.4 s/],
    ['a 429', { twirp: 429, retryAfter: '60' } as const, /answered 429 Too Many Requests/],
    ['a 507 (not retried)', { twirp: 507 } as const, /answered 507/],
    ['no answer at all', { twirp: 'silent' } as const, /no answer; given up after 0\.4 s/],
    ['a blob server that fails', { blob: 500 } as const, /answered 500/]
  ])('%s on load: one StateStoreError, no save over the state saved before, nothing printed', async (_name, fault, reason) => {
    const prefix = prefixFor(['x:jack'])
    await store(prefix).save(Buffer.from('before'))
    service.fault = fault
    const cache = store(prefix, { budgetMs: FAULT_BUDGET_MS })
    const started = Date.now()
    const error = await cache.load().catch((caught: unknown) => caught)
    expect(Date.now() - started).toBeLessThan(FAULT_ENDS_MS)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(
      /^The state could not be read from the Actions cache \(.*\); this run saves none, so the next run reads the state saved before\.$/
    )
    expect((error as Error).message).toMatch(reason)
    expect((error as Error).message).not.toMatch(/https?:|sig=/)
    const calls = service.calls.length
    await cache.save(Buffer.from('fresh'))
    expect(service.calls).toHaveLength(calls)
    service.fault = undefined
    expect(text(await store(prefix).load())).toBe('before')
    expect(printed).not.toMatch(/::(warning|error)::|Failed to restore/)
  })

  test('a damaged entry is one StateStoreError, and the run’s save replaces it', async () => {
    const prefix = prefixFor(['x:jack'])
    await store(prefix).save(Buffer.from('before'))
    service.fault = { blob: 'damaged' }
    const cache = store(prefix)
    await expect(cache.load()).rejects.toThrow(
      /^The state in the Actions cache is damaged \(the saved archive could not be unpacked: .*\); this run saves a new one in its place\.$/
    )
    service.fault = undefined
    await cache.save(Buffer.from('replaced'))
    expect(text(await store(prefix).load())).toBe('replaced')
  })

  test('a save then a restore by prefix returns the newest state, each run under a key of its own', async () => {
    const prefix = prefixFor(['x:jack'])
    expect(await store(prefix).load()).toBeUndefined()
    await store(prefix).save(Buffer.from('{"run":1}'))
    await store(prefix).save(Buffer.from('{"run":2}'))
    expect(text(await store(prefix).load())).toBe('{"run":2}')
    const keys = service.entries.map((entry) => entry.key)
    expect(keys).toHaveLength(2)
    expect(new Set(keys).size).toBe(2)
    for (const key of keys) expect(key.startsWith(prefix)).toBe(true)
    // The library's calls, as the 2025 protocol has them, with the runner's token.
    const calls = service.calls.map((call) => call.call)
    expect(calls).toEqual(expect.arrayContaining(['GetCacheEntryDownloadURL', 'CreateCacheEntry', 'PUT', 'FinalizeCacheEntryUpload', 'GET']))
    expect(service.calls.find((call) => call.call === 'CreateCacheEntry')!.authorization).toBe(`Bearer ${service.env.ACTIONS_RUNTIME_TOKEN}`)
    expect(service.calls.find((call) => call.call === 'GetCacheEntryDownloadURL')!.body).toMatchObject({ key: prefix, restore_keys: [prefix] })
    expect(printed).not.toMatch(/::(warning|error)::|Cache (hit|restored|saved)/)
  })

  test('a link prepared at the state file is removed, not followed: its target is untouched and the file is the owner’s only', async () => {
    const prefix = prefixFor(['x:jack'])
    const target = join(dir, 'victim')
    writeFileSync(target, 'keep me')
    mkdirSync(join(dir, 'twitter-stats-state'))
    symlinkSync(target, join(dir, 'twitter-stats-state', 'state.json'))
    await store(prefix).save(Buffer.from('{"run":1}'))
    expect(readFileSync(target, 'utf8')).toBe('keep me')
    const saved = lstatSync(join(dir, 'twitter-stats-state', 'state.json'))
    expect(saved.isFile()).toBe(true)
    expect(saved.mode & 0o777).toBe(0o600)
    expect(text(await store(prefix).load())).toBe('{"run":1}')
  })

  test('two account lists in one job never see each other’s state', async () => {
    const team = prefixFor(['x:jack', 'x:nasa'])
    const other = prefixFor(['x:github'])
    await store(team).save(Buffer.from('team'))
    expect(await store(other).load()).toBeUndefined()
    await store(other).save(Buffer.from('other'))
    expect(text(await store(team).load())).toBe('team')
    expect(text(await store(other).load())).toBe('other')
  })

  test('without ACTIONS_RUNTIME_TOKEN: one error that says so and what to do, no request, and the save does nothing', async () => {
    delete process.env.ACTIONS_RUNTIME_TOKEN
    const cache = store(prefixFor(['x:jack']))
    const error = await cache.load().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StateStoreError)
    expect((error as Error).message).toMatch(
      /^The Actions cache is not available to this step \(ACTIONS_RUNTIME_TOKEN is not set\): this run keeps no state\. .*state to a file path .* or to none\.$/
    )
    await expect(cache.save(Buffer.from('x'))).resolves.toBeUndefined()
    expect(service.calls).toEqual([])
  })

  test('a runner without the service address says so the same way', async () => {
    delete process.env.ACTIONS_RESULTS_URL
    await expect(store(prefixFor(['x:jack'])).load()).rejects.toThrow(
      /not available to this step \(the runner gives no cache service address, ACTIONS_RESULTS_URL\)/
    )
    expect(service.calls).toEqual([])
  })
})
