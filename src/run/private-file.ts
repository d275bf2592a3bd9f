/** Files this tool leaves in a temporary folder others may share (/tmp, RUNNER_TEMP): never one someone prepared. */
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageOf } from '../text/errors.js'

/** The file written, or why it could not be: the caller still reports, and keeps what the file was to hold. */
export type Written = { file: string } | { problem: string }

/**
 * Creates a new file in `dir` under a random name, exclusively ('wx': never through a link, nor over a file someone
 * prepared at that name) and readable by its owner only. Says why not instead of throwing (a missing folder, a full disk).
 */
export function writePrivateFile(dir: string, prefix: string, text: string): Written {
  const file = join(dir, `${prefix}-${randomUUID()}.json`)
  try {
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 })
    return { file }
  } catch (error) {
    return { problem: `${(error as NodeJS.ErrnoException).code ?? messageOf(error)} at ${file}` }
  }
}
