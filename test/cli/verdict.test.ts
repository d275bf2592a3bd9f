/**
 * The command line in-process: its last line on stdout is the verdict and agrees with the exit code;
 * --json carries the same warnings and problems it printed on stderr; --quiet lines carry their time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, runCli } from '../../src/cli/main.js'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twitter-stats-verdict-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2) })
  dd = await startDatadogStandIn()
})
afterEach(async () => {
  await x.close()
  await dd.close()
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

async function cli(argv: string[], env: Record<string, string> = {}, http: HttpDeps = realHttpDeps): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli({
    argv,
    env: { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url, TMPDIR: dir, ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    http
  })
  return { code, stdout, stderr }
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1)!
}

/** The lines of stderr that begin with `prefix`, without it. */
function said(stderr: string, prefix: 'warning: ' | 'error: '): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
}

interface JsonReport {
  ok: boolean
  verdict: string
  warnings: string[]
  problems: string[]
}

/**
 * Runs the same command as a table and as --json, and checks what every outcome must hold: the verdict is
 * the last line and agrees with the exit code, and --json says the same, with every warning and problem of stderr.
 */
async function expectVerdict(argv: string[], env: Record<string, string>, expected: { code: number; verdict: string }, http?: HttpDeps): Promise<JsonReport> {
  const text = await cli(argv, env, http)
  expect(text.code).toBe(expected.code)
  expect(lastLine(text.stdout)).toBe(expected.verdict)
  expect(lastLine(text.stdout) === 'ok').toBe(text.code === EXIT.ok)

  const json = await cli(['--json', ...argv], env, http)
  expect(json.code).toBe(expected.code)
  const report = JSON.parse(json.stdout) as JsonReport
  expect(report.ok).toBe(json.code === EXIT.ok)
  expect(report.verdict).toBe(expected.verdict)
  expect(report.warnings).toEqual(said(json.stderr, 'warning: '))
  if (expected.code !== EXIT.usage) expect(report.problems).toEqual(said(json.stderr, 'error: '))
  // Self-contained: JSON has no "above".
  expect(JSON.stringify(report)).not.toMatch(/see the .* above|problem above/)
  return report
}

describe('the verdict line and --json agree with the exit code', () => {
  test('success: ok, exit 0, no warnings or problems', async () => {
    const report = await expectVerdict(['jack', 'nasa'], {}, { code: EXIT.ok, verdict: 'ok' })
    expect(report).toMatchObject({ warnings: [], problems: [] })
  })

  test('an invalid configuration: exit 2, the verdict says so, and --json lists what was wrong', async () => {
    const report = await expectVerdict(['jack', 'not-a-user!'], {}, { code: EXIT.usage, verdict: 'failed: the configuration is invalid' })
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatch(/^this entry in `accounts` is not a valid account: "not-a-user!"/)
    expect(x.requests).toHaveLength(0)
  })

  test('X refuses the token: exit 1, the problem once on stderr and in --json, with what to do', async () => {
    const report = await expectVerdict(
      ['jack', 'nasa'],
      { X_BEARER_TOKEN: 'wrong-token-abc' },
      { code: EXIT.failed, verdict: 'failed: X refused the credentials' }
    )
    expect(report.problems).toEqual([expect.stringMatching(/^X rejected the credentials \(401 Unauthorized\)\..* Nothing from X was sent to Datadog\.$/)])
    expect(JSON.stringify(report)).not.toContain('wrong-token-abc')
  })

  test('an X account not found: ok, and the warning printed on stderr is the warning in --json', async () => {
    const report = await expectVerdict(['jack', 'nobody_here'], {}, { code: EXIT.ok, verdict: 'ok' })
    expect(report.warnings).toEqual(['X account nobody_here was not found (deleted, renamed or mistyped).'])
  })

  test('Datadog refuses the key: exit 1; the re-send hint is a warning naming this run’s Datadog URL', async () => {
    const report = await expectVerdict(
      ['jack'],
      { DATADOG_API_KEY: 'a-key-datadog-refuses' },
      { code: EXIT.failed, verdict: 'failed: Datadog did not accept the series' }
    )
    expect(report.problems).toEqual([expect.stringMatching(/^Datadog refused the API key \(403\)/)])
    expect(report.warnings).toEqual([expect.stringContaining(`curl -X POST "${dd.url}/api/v2/series"`)])
  })

  test('a rate limit past the allowed wait: exit 1 at once, without waiting (fake clock)', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z')
    x.override = () => ({ status: 429, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(now / 1000 + 3600) }, body: '{}' })
    const http: HttpDeps = { ...realHttpDeps, now: () => now, sleep: async () => undefined }
    const report = await expectVerdict(
      ['--rate-limit-max-wait', '60', 'jack', 'nasa'],
      {},
      { code: EXIT.failed, verdict: 'failed: the X rate limit outlasted the allowed wait' },
      http
    )
    expect(report.problems).toEqual([expect.stringContaining('resets at 2026-03-01T13:00:00.000Z (in 3600 s), later than the allowed wait of 60 s')])
  })

  test('a usage error ends stdout with a failed verdict too, exit 2', async () => {
    const run = await cli(['--no-such-flag', 'jack'])
    expect(run.code).toBe(EXIT.usage)
    expect(lastLine(run.stdout)).toBe('failed: the command line is invalid')
  })
})

describe('--quiet, for logs read later', () => {
  test('every line on stdout and stderr starts with the time in ISO 8601 UTC', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z')
    const run = await cli(['--quiet', 'jack', 'nobody_here'], {}, { ...realHttpDeps, now: () => now })
    expect(run.code).toBe(EXIT.ok)
    const lines = (run.stdout + run.stderr).split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(3)
    for (const line of lines) expect(line).toMatch(/^2026-03-01T12:00:00\.000Z \S/)
    expect(lastLine(run.stdout)).toBe('2026-03-01T12:00:00.000Z ok')
    expect(run.stderr).toContain('2026-03-01T12:00:00.000Z warning: X account nobody_here was not found')
  })

  test('without --quiet, lines are as a person at a terminal reads them, with no time', async () => {
    const run = await cli(['jack'])
    expect(lastLine(run.stdout)).toBe('ok')
    expect(run.stderr).not.toMatch(/^\d{4}-\d\d-\d\dT/m)
  })
})
