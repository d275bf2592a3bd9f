/**
 * The `accounts-file` setting: a list too long for an input or a variable (Linux caps one variable at
 * 128 KiB, about 6,000 Mastodon handles), read from a file in the workspace, or from standard input in the
 * command line. Read before any request; any problem with the file is a configuration error.
 */
import { closeSync, constants, createReadStream, fstat, open as openCallback, type ReadStream } from 'node:fs'
import { promisify } from 'node:util'
import { Socket } from 'node:net'
import { isAbsolute, resolve } from 'node:path'
import type { AccountList } from './accounts.js'
import { MAX_ACCOUNTS } from './accounts.js'
import { describeSetting, type RawSettings } from './settings.js'
import { ConfigError, quote } from '../text/errors.js'

/** Largest file read: room for the most accounts a run takes, at the longest entry, with comments. */
export const MAX_ACCOUNTS_FILE_BYTES = 4 * 1024 * 1024
const LIMIT = `${MAX_ACCOUNTS_FILE_BYTES / 1024 / 1024} MiB`

/** Longest a list may take to read: a pipe whose writer never ends must not hold the run before its deadline starts. */
export const ACCOUNTS_FILE_TIMEOUT_MS = 30_000

export interface AccountsFileOptions {
  /** Where a relative path starts: GITHUB_WORKSPACE in the action, the current directory in the command line. */
  base: string
  /** Standard input, for `-` (command line only); undefined where there is none. */
  stdin?: AsyncIterable<string | Buffer>
  /** How long reading may take; ACCOUNTS_FILE_TIMEOUT_MS when not given. */
  timeoutMs?: number
}

function source(path: string): string {
  return `accounts-file ${quote(path, 120)}`
}

function refuse(path: string, why: string): ConfigError {
  return new ConfigError([`${source(path)} ${why}`])
}

/**
 * The one reader of a list, for standard input and every file alike: at most MAX_ACCOUNTS_FILE_BYTES and
 * `timeoutMs`, whatever the file says of itself (a /proc file reports 0 bytes, /dev/zero and a pipe never end).
 */
async function readBounded(stream: AsyncIterable<string | Buffer> & { destroy?: () => void }, path: string, timeoutMs: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  const iterator = stream[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)))
  let pending: Promise<IteratorResult<string | Buffer>> | undefined
  try {
    for (;;) {
      pending = iterator.next()
      const next = await Promise.race([pending, timedOut])
      if (next === 'timeout') {
        throw refuse(path, `did not end within ${timeoutMs / 1000} s (a pipe or device still open?): name a file that ends, one or more accounts a line.`)
      }
      pending = undefined
      if (next.done) break
      const buffer = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
      size += buffer.length
      if (size > MAX_ACCOUNTS_FILE_BYTES) {
        throw refuse(
          path,
          `is larger than ${LIMIT} (or never ends); one run takes at most ${MAX_ACCOUNTS} accounts. Name a list of accounts, one or more a line.`
        )
      }
      chunks.push(buffer)
    }
  } finally {
    clearTimeout(timer)
    // A read still waiting (a pipe no one writes to) ends with the stream: its rejection is expected.
    pending?.catch(() => undefined)
    // Stops the stream and closes the file when reading stopped early (return() would wait for that read).
    if (stream.destroy) stream.destroy()
    else void iterator.return?.()?.catch(() => undefined)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function cannotOpen(path: string, full: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code
  return refuse(
    path,
    code === 'ENOENT'
      ? `does not exist (looked at ${full}). Paths are relative to the workspace (in a workflow, check out the repository first with actions/checkout), or to the current directory on the command line.`
      : `cannot be read (${code ?? 'error'} at ${full}).`
  )
}

const openFd = promisify(openCallback)
const fstatFd = promisify(fstat)

/**
 * The open file as a stream that closes it when it ends or is stopped: a pipe (a FIFO, `<(command)`) through a
 * socket, which never blocks a thread waiting for a writer; anything else (a file, /proc, a device) as a file.
 */
async function streamOf(fd: number, path: string, full: string): Promise<Socket | ReadStream> {
  const stat = await fstatFd(fd)
  if (stat.isDirectory()) throw refuse(path, `is not a file (looked at ${full}). Name a text file with one or more accounts a line.`)
  if (stat.isFIFO() || stat.isSocket()) return new Socket({ fd, readable: true, writable: false })
  return createReadStream('', { fd, autoClose: true })
}

async function readFile(path: string, base: string, timeoutMs: number): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(base, path)
  let fd: number
  try {
    // Non-blocking, so opening a FIFO no one writes to does not wait forever.
    fd = await openFd(full, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw cannotOpen(path, full, error)
  }
  let stream: Socket | ReadStream
  try {
    stream = await streamOf(fd, path, full)
  } catch (error) {
    closeSync(fd)
    throw error instanceof ConfigError ? error : cannotOpen(path, full, error)
  }
  try {
    return await readBounded(stream, path, timeoutMs)
  } catch (error) {
    throw error instanceof ConfigError ? error : cannotOpen(path, full, error)
  }
}

/**
 * The lists the settings name besides `accounts`: the accounts file, if set, as a file-shaped list (one or
 * more entries a line, blank lines and `#` comments ignored) for parseConfig to merge and deduplicate.
 */
export async function readAccountsFile(raw: RawSettings, options: AccountsFileOptions): Promise<AccountList[]> {
  const path = raw.accountsFile
  if (!path) return []
  if (path === '-') {
    if (!options.stdin) {
      throw new ConfigError([`${describeSetting('accountsFile')} "-" (standard input) works only on the command line; name a file in the workspace.`])
    }
    return [
      { source: 'accounts-file - (standard input)', text: await readBounded(options.stdin, path, options.timeoutMs ?? ACCOUNTS_FILE_TIMEOUT_MS), file: true }
    ]
  }
  return [{ source: source(path), text: await readFile(path, options.base, options.timeoutMs ?? ACCOUNTS_FILE_TIMEOUT_MS), file: true }]
}
