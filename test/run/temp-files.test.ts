/**
 * A shared temporary folder (issue 23, class 2): files are created under a random name, exclusively, owner-only;
 * links prepared at likely names stay untouched, and when nothing can be written the report still comes, with the series.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runActionInProcess } from '../support/run-action.js'
import { runCliInProcess as runCli } from '../support/run-cli.js'
import { X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

const REFUSED_KEY = 'a-key-datadog-refuses-9c4e'
let x: XStandIn
let dd: DatadogStandIn
let shared: string
let target: string

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
  shared = mkdtempSync(join(tmpdir(), 'twitter-stats-shared-'))
  target = join(mkdtempSync(join(tmpdir(), 'twitter-stats-victim-')), 'precious.txt')
  writeFileSync(target, 'untouched')
})
afterEach(async () => {
  await x.close()
  await dd.close()
  rmSync(shared, { recursive: true, force: true })
})

/**
 * Another user's links at fixed names and, for as long as the run goes on, at every name a millisecond clock gives
 * from now to 2 s ahead (kept ahead every 50 ms): a few thousand links however long a loaded machine takes, where
 * links for a fixed span cost 0.1 ms each up front. Only the tests that run in the shared folder make them. `stop`
 * returns the first name not prepared, which the test checks its run ended before.
 */
function prepareLinks(): { stop(): number } {
  for (const name of ['twitter-stats-undelivered.json', 'twitter-stats-metrics.json']) symlinkSync(target, join(shared, name))
  let next = Date.now() - 500
  const fill = (): void => {
    for (const until = Date.now() + 2_000; next < until; next += 1) symlinkSync(target, join(shared, `twitter-stats-undelivered-${next}.json`))
  }
  fill()
  const timer = setInterval(fill, 50)
  return {
    stop: () => {
      clearInterval(timer)
      return next
    }
  }
}

const MISSING = join(tmpdir(), 'twitter-stats-no-such-folder', 'tmp')
const env = (extra: Record<string, string>) => ({ X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: REFUSED_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url, ...extra })
const inputs = () => ({ accounts: 'jack nasa', 'x-bearer-token': X_TOKEN, 'datadog-api-key': REFUSED_KEY, 'x-api-url': x.url, 'datadog-site': dd.url })

/** The files the run made in the shared folder: new, regular, owner-only. */
function ours(): string[] {
  const made = readdirSync(shared)
    .map((name) => join(shared, name))
    .filter((path) => !lstatSync(path).isSymbolicLink())
  for (const path of made) expect(statSync(path).mode & 0o777).toBe(0o600)
  return made
}

describe('the command line', () => {
  test('links prepared at likely names are not followed: the target stays untouched, the series go to a new private file', async () => {
    const links = prepareLinks()
    const result = await runCli(['--json', 'jack', 'nasa'], env({ TMPDIR: shared }))
    expect(Date.now()).toBeLessThan(links.stop())
    expect(result.code).toBe(1)
    expect(readFileSync(target, 'utf8')).toBe('untouched')
    const report = JSON.parse(result.stdout) as { undeliveredFile: string; delivery: { undelivered: number } }
    expect(ours()).toEqual([report.undeliveredFile])
    const saved = JSON.parse(readFileSync(report.undeliveredFile, 'utf8')) as { series: unknown[] }
    expect(saved.series).toHaveLength(report.delivery.undelivered)
  })

  test('a missing temporary folder: the --json report all the same, with the series in it', async () => {
    const result = await runCli(['--json', 'jack', 'nasa'], env({ TMPDIR: MISSING }))
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).not.toContain('stopped unexpectedly')
    const report = JSON.parse(result.stdout) as { ok: boolean; undeliveredBody: { series: { tags: string[] }[] }; delivery: { undelivered: number } }
    expect(report.ok).toBe(false)
    expect(report.undeliveredBody.series).toHaveLength(report.delivery.undelivered)
    expect(report.undeliveredBody.series.filter((s) => s.tags.includes('account:nasa'))).toHaveLength(6)
    expect(result.stderr).toContain('could not be saved in a file (ENOENT at')
    expect(result.stdout + result.stderr).not.toContain(REFUSED_KEY)
  })

  test('a missing temporary folder: the table and the verdict all the same, the body on standard error', async () => {
    const result = await runCli(['jack', 'nasa'], env({ TMPDIR: MISSING }))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^nasa\s+x\s/m)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^failed/)
    const body = result.stderr.split('\n').find((line) => line.startsWith('{"series":'))
    expect((JSON.parse(body ?? '{}') as { series: unknown[] }).series.length).toBeGreaterThanOrEqual(12)
    expect(result.stdout + result.stderr).not.toContain('stopped unexpectedly')
  })
})

describe('the action', () => {
  test('links prepared in RUNNER_TEMP are not followed; the undelivered and metrics files are new and private', async () => {
    const links = prepareLinks()
    const result = await runActionInProcess(inputs(), { RUNNER_TEMP: shared })
    expect(Date.now()).toBeLessThan(links.stop())
    expect(result.code).toBe(1)
    expect(readFileSync(target, 'utf8')).toBe('untouched')
    const made = ours()
    expect(made).toContain(result.outputs['undelivered-file'])
    expect(made).toContain(result.outputs['metrics-file'])
    expect(result.outputs['accounts-failed']).toBe('2')
  })

  test('a missing RUNNER_TEMP: outputs, summary and the series in the log all the same, never "stopped unexpectedly"', async () => {
    const result = await runActionInProcess(inputs(), { RUNNER_TEMP: MISSING })
    expect(result.code).toBe(1)
    expect(result.stdout + result.summary).not.toContain('stopped unexpectedly')
    expect(result.outputs['accounts-failed']).toBe('2')
    expect(result.outputs['metrics-file']).toBe('')
    expect(result.outputs.metrics).toBeDefined()
    expect(result.summary).toContain('could not be saved in a file')
    const body = result.stdout.split('\n').find((line) => line.startsWith('{"series":'))
    expect((JSON.parse(body ?? '{}') as { series: unknown[] }).series.length).toBeGreaterThanOrEqual(12)
    // The ::add-mask:: lines name the keys on purpose, for the runner.
    const shown = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    expect(shown.join('\n') + result.summary).not.toContain(REFUSED_KEY)
  })
})
