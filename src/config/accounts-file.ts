/**
 * The `accounts-file` setting: a list too long for an input or a variable (Linux caps one variable at
 * 128 KiB, about 6,000 Mastodon handles), read from a file in the workspace, or from standard input in the
 * command line. Read before any request; any problem with the file is a configuration error.
 */
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { AccountList } from './accounts.js'
import { MAX_ACCOUNTS, MAX_ENTRY_LENGTH } from './accounts.js'
import { describeSetting, type RawSettings } from './settings.js'
import { ConfigError, quote } from '../text/errors.js'

/** Largest file read: room for the most accounts a run takes, at the longest entry, with comments. */
export const MAX_ACCOUNTS_FILE_BYTES = 4 * 1024 * 1024
const LIMIT = `${MAX_ACCOUNTS_FILE_BYTES / 1024 / 1024} MiB`

export interface AccountsFileOptions {
  /** Where a relative path starts: GITHUB_WORKSPACE in the action, the current directory in the command line. */
  base: string
  /** Standard input, for `-` (command line only); undefined where there is none. */
  stdin?: AsyncIterable<string | Buffer>
}

function source(path: string): string {
  return `accounts-file ${quote(path, 120)}`
}

function refuse(path: string, why: string): ConfigError {
  return new ConfigError([`${source(path)} ${why}`])
}

async function readBounded(stream: AsyncIterable<string | Buffer>, path: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buffer.length
    if (size > MAX_ACCOUNTS_FILE_BYTES) throw refuse(path, `is larger than ${LIMIT}; one run takes at most ${MAX_ACCOUNTS} accounts.`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function readFile(path: string, base: string): string {
  const full = isAbsolute(path) ? path : resolve(base, path)
  let size: number
  try {
    const stat = statSync(full)
    if (!stat.isFile()) throw refuse(path, `is not a file (looked at ${full}). Name a text file with one or more accounts a line.`)
    size = stat.size
  } catch (error) {
    if (error instanceof ConfigError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw refuse(
      path,
      code === 'ENOENT'
        ? `does not exist (looked at ${full}). Paths are relative to the workspace (in a workflow, check out the repository first with actions/checkout), or to the current directory on the command line.`
        : `cannot be read (${code ?? 'error'} at ${full}).`
    )
  }
  if (size > MAX_ACCOUNTS_FILE_BYTES) {
    throw refuse(path, `is ${size} bytes, larger than ${LIMIT}; one run takes at most ${MAX_ACCOUNTS} accounts of at most ${MAX_ENTRY_LENGTH} characters.`)
  }
  try {
    return readFileSync(full, 'utf8')
  } catch (error) {
    throw refuse(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'} at ${full}).`)
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
    return [{ source: 'accounts-file - (standard input)', text: await readBounded(options.stdin, path), file: true }]
  }
  return [{ source: source(path), text: readFile(path, options.base), file: true }]
}
