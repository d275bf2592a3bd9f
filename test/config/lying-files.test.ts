/** Files that lie about their size (issue 23, class 1): every file is read through one bounded reader, whatever stat says. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readAccountsFile } from '../../src/config/accounts-file.js'
import { parseAccountLists } from '../../src/config/accounts.js'
import { ConfigError, messageOf } from '../../src/text/errors.js'

let dir: string
const writers: ChildProcess[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'twitter-stats-lying-'))
})
afterEach(() => {
  for (const writer of writers.splice(0)) writer.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const read = (path: string, timeoutMs = 2_000) => readAccountsFile({ accountsFile: path }, { base: dir, timeoutMs })

async function refusal(path: string, timeoutMs?: number): Promise<string> {
  const error = await read(path, timeoutMs).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ConfigError)
  return messageOf(error)
}

/** A FIFO in `dir` with a shell writing `script` into it (or no writer at all). */
function fifo(script?: string): string {
  const path = join(dir, 'list.fifo')
  expect(spawnSync('mkfifo', [path]).status).toBe(0)
  if (script) writers.push(spawn('sh', ['-c', `${script} > "$0"`, path], { stdio: 'ignore' }))
  return path
}

describe('files whose size stat does not tell', () => {
  test('/proc/self/status (size 0 to stat) is read whole', async () => {
    const [list] = await read('/proc/self/status')
    expect(list?.text).toContain('Name:')
    expect(list?.text).toContain('VmRSS:')
  })

  test.each(['/dev/zero', '/dev/urandom'])('%s, which never ends, stops at the bound with a clear error', async (path) => {
    expect(await refusal(path)).toContain(`accounts-file "${path}" is larger than 4 MiB (or never ends)`)
  })

  test('a FIFO whose writer never stops stops at the bound', async () => {
    expect(await refusal(fifo('yes jack'))).toContain('is larger than 4 MiB (or never ends)')
  })

  test('a FIFO whose writer never ends stops at the time bound', async () => {
    expect(await refusal(fifo('echo jack; exec sleep 60'), 300)).toContain('did not end within 0.3 s')
  })

  test('a FIFO no one writes to stops at the time bound, with no thread left waiting to open it', async () => {
    expect(await refusal(fifo(), 200)).toContain('did not end within 0.2 s')
  })

  test('a FIFO whose writer ends is read as a list (as <(command) is)', async () => {
    const [list] = await read(fifo('printf "jack\\nnasa\\n"'))
    expect(list?.text).toBe('jack\nnasa\n')
  })

  test('a folder is not a file', async () => {
    mkdirSync(join(dir, 'lists'))
    expect(await refusal('lists')).toContain('is not a file')
  })
})

describe('a file in which nothing is an account is described by shape, never quoted', () => {
  const environ = readFileSync('/proc/self/environ', 'utf8')
  const values = environ
    .split('\0')
    .map((line) => line.slice(line.indexOf('=') + 1))
    .filter((value) => value.length >= 4)

  function shapeOf(path: string, text: string): string {
    try {
      parseAccountLists([{ source: `accounts-file "${path}"`, text, file: true }])
    } catch (error) {
      return messageOf(error)
    }
    throw new Error('parsed')
  }

  test.each([
    ['/proc/self/environ', '/proc/self/environ'],
    ['a link to /proc/self/environ', 'environ-link']
  ])('%s: how many lines and what the first looks like, none of its values', async (_name, path) => {
    symlinkSync('/proc/self/environ', join(dir, 'environ-link'))
    const [list] = await read(path)
    expect(list?.text).toBe(environ)
    const message = shapeOf(path, list?.text ?? '')
    // Under npm a few words of the environment (linux, x64) pass for accounts: the file is still described, not quoted.
    expect(message).toMatch(/(holds no account|does not read as a list of accounts) \(1 line of \d+ characters: .*control characters/)
    for (const value of values) expect(message).not.toContain(value)
  })

  test('a file whose entries are mostly not accounts is described, even where a few words pass for accounts', () => {
    const message = shapeOf('config', 'linux x64\nTOKEN=0123456789abcdef\nPATH=/usr/bin:/bin\nHOME=/root\n')
    expect(message).toContain('accounts-file "config" does not read as a list of accounts (4 lines')
    for (const value of ['0123456789abcdef', '/usr/bin', 'HOME', 'linux']) expect(message).not.toContain(value)
  })

  test('a list of accounts with one typo is quoted, so the typo can be found', () => {
    expect(shapeOf('accounts.txt', 'jack\nnasa\nbad!name\n')).toContain('this entry in accounts-file "accounts.txt" is not a valid account: "bad!name"')
  })

  test('a line of a key file', () => {
    const message = shapeOf('keys', 'DD_API_KEY=0123456789abcdef0123456789abcdef\n')
    expect(message).toContain("holds no account (1 line of 43 characters: letters, '_', '=' and digits; not quoted")
    expect(message).not.toContain('0123456789')
  })

  test('several lines: counted, the first described', () => {
    expect(shapeOf('keys', 'A=1\n\nB=2\nC=3\n')).toContain("(3 lines, the first of 3 characters: letters, '=' and digits;")
  })

  test('a file with one account among junk still names the junk, as any list does', () => {
    expect(shapeOf('list', 'jack\nnot an account!\n')).toContain('"account!"')
  })
})
