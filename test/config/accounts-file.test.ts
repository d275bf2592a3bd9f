/** `accounts-file`: a list from a file in the workspace (or standard input on the command line), merged with `accounts`. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { MAX_ACCOUNTS_FILE_BYTES } from '../../src/config/accounts-file.js'
import { runCli } from '../../src/cli/main.js'
import { runActionInProcess } from '../support/run-action.js'
import { DD_KEY, X_TOKEN, metricsFor, startDatadogStandIn, startXStandIn, type DatadogStandIn, type XStandIn } from '../support/stand-ins.js'

let x: XStandIn
let dd: DatadogStandIn
let workspace: string

beforeEach(async () => {
  x = await startXStandIn({ jack: metricsFor(1), nasa: metricsFor(2), github: metricsFor(3), bbc: metricsFor(4) })
  dd = await startDatadogStandIn()
  workspace = mkdtempSync(join(tmpdir(), 'twitter-stats-workspace-'))
})
afterEach(async () => {
  await x.close()
  await dd.close()
  rmSync(workspace, { recursive: true, force: true })
})

function inputs(extra: Record<string, string>): Record<string, string> {
  return { 'x-bearer-token': X_TOKEN, 'datadog-api-key': DD_KEY, 'datadog-site': dd.url, 'x-api-url': x.url, ...extra }
}

function usernames(): string[] {
  return x.requests.flatMap((r) => (new URL(r.url, 'http://h').searchParams.get('usernames') ?? '').split(','))
}

describe('the action', () => {
  test('reads the file relative to the workspace: entries a line, comments and blank lines ignored, merged and deduplicated with accounts', async () => {
    mkdirSync(join(workspace, 'config'))
    writeFileSync(join(workspace, 'config', 'accounts.txt'), '# the team\njack\n\n  nasa, github   # space agency and code\n@JACK\n#bbc\n')
    const result = await runActionInProcess(inputs({ accounts: 'bbc, nasa', 'accounts-file': 'config/accounts.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(0)
    expect(usernames()).toEqual(['bbc', 'nasa', 'jack', 'github'])
    expect(result.outputs['accounts-collected']).toBe('4')
  })

  test('the file alone is enough', async () => {
    writeFileSync(join(workspace, 'accounts.txt'), 'jack\r\nnasa\r\n')
    const result = await runActionInProcess(inputs({ 'accounts-file': 'accounts.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(0)
    expect(usernames()).toEqual(['jack', 'nasa'])
  })

  test('a missing file fails the step before any request, saying where it looked and what to do', async () => {
    const result = await runActionInProcess(inputs({ accounts: 'jack', 'accounts-file': 'lists/missing.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('accounts-file "lists/missing.txt" does not exist')
    expect(result.stdout).toContain(join(workspace, 'lists', 'missing.txt'))
    expect(result.stdout).toContain('actions/checkout')
    expect(x.requests).toHaveLength(0)
    expect(dd.requests).toHaveLength(0)
  })

  test('a directory, or a file over the size limit, is refused before any request', async () => {
    mkdirSync(join(workspace, 'dir'))
    const dir = await runActionInProcess(inputs({ 'accounts-file': 'dir' }), { GITHUB_WORKSPACE: workspace })
    expect(dir.code).toBe(1)
    expect(dir.stdout).toContain('accounts-file "dir" is not a file')

    writeFileSync(join(workspace, 'huge.txt'), 'jack\n'.repeat(MAX_ACCOUNTS_FILE_BYTES / 5 + 1))
    const huge = await runActionInProcess(inputs({ 'accounts-file': 'huge.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(huge.code).toBe(1)
    expect(huge.stdout).toMatch(/accounts-file "huge.txt" is larger than 4 MiB/)
    expect(x.requests).toHaveLength(0)
  })

  test('an invalid entry in the file is named, with the file it came from', async () => {
    writeFileSync(join(workspace, 'accounts.txt'), 'jack\nnot an account!\n')
    const result = await runActionInProcess(inputs({ 'accounts-file': 'accounts.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('accounts-file "accounts.txt"')
    expect(result.stdout).toContain('"account!"')
    expect(x.requests).toHaveLength(0)
  })

  test('a file of only comments is empty, and says so', async () => {
    writeFileSync(join(workspace, 'accounts.txt'), '# nobody yet\n\n')
    const result = await runActionInProcess(inputs({ 'accounts-file': 'accounts.txt' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('accounts-file "accounts.txt" is empty')
  })

  test('neither accounts nor accounts-file: the message names both', async () => {
    const result = await runActionInProcess(inputs({}), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('accounts (ACCOUNTS) or accounts-file (ACCOUNTS_FILE) is required')
  })

  test('"-" (standard input) is for the command line only', async () => {
    const result = await runActionInProcess(inputs({ 'accounts-file': '-' }), { GITHUB_WORKSPACE: workspace })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('works only on the command line')
  })
})

describe('the command line', () => {
  function io(argv: string[], extra: { stdin?: AsyncIterable<string | Buffer>; cwd?: string } = {}) {
    let stdout = ''
    let stderr = ''
    return {
      io: {
        argv,
        env: { X_BEARER_TOKEN: X_TOKEN, DATADOG_API_KEY: DD_KEY, X_API_URL: x.url, DATADOG_SITE: dd.url },
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        ...extra
      },
      out: () => ({ stdout, stderr })
    }
  }

  test('--accounts-file - reads standard input, merged with the accounts given as arguments', async () => {
    const run = io(['--json', '--accounts-file', '-', 'bbc'], { stdin: Readable.from(['jack\n# comment\nnasa', '\ngithub\n']) })
    expect(await runCli(run.io)).toBe(0)
    expect(usernames()).toEqual(['bbc', 'jack', 'nasa', 'github'])
    expect((JSON.parse(run.out().stdout) as { collected: number }).collected).toBe(4)
  })

  test('a relative path starts at the current directory', async () => {
    writeFileSync(join(workspace, 'list.txt'), 'jack nasa\n')
    const run = io(['--accounts-file', 'list.txt'], { cwd: workspace })
    expect(await runCli(run.io)).toBe(0)
    expect(usernames()).toEqual(['jack', 'nasa'])
  })

  test('a missing file exits 2 (usage) before any request', async () => {
    const run = io(['--accounts-file', 'nope.txt'], { cwd: workspace })
    expect(await runCli(run.io)).toBe(2)
    expect(run.out().stderr).toContain('accounts-file "nope.txt" does not exist')
    expect(x.requests).toHaveLength(0)
  })

  test('standard input over the size limit is refused', async () => {
    const run = io(['--accounts-file', '-'], { stdin: Readable.from([Buffer.alloc(MAX_ACCOUNTS_FILE_BYTES + 1, 'a')]) })
    expect(await runCli(run.io)).toBe(2)
    expect(run.out().stderr).toContain('is larger than 4 MiB')
    expect(x.requests).toHaveLength(0)
  })
})
