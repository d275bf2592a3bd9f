/**
 * The state in a file (the command line's --state, the action's `state: path`). Written to a temporary file
 * beside it and renamed over it, so a run that stops mid-write, or two runs writing at once, never leave half
 * a state: a reader sees the old file or a new one, whole. Another run's save meanwhile is told by the bytes:
 * the file is read again just before the save and compared with what this run read.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { messageOf } from '../text/errors.js'
import { MAX_STATE_BYTES, StateStoreError, type StateStore } from './store.js'

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

const digest = (bytes: Uint8Array | undefined): string => (bytes === undefined ? '' : createHash('sha256').update(bytes).digest('hex'))

/**
 * `path` as given, absolute or relative to the process's directory; the adapter resolves it first where needed.
 * `overlapAdvice`: what keeps runs from overlapping where this adapter runs (StateStore.overlapAdvice).
 */
export function createFileStore(path: string, overlapAdvice: string): StateStore {
  const where = `the file ${path}`
  // The bytes this run last read or wrote, by digest: other bytes in the file are another run's.
  let seen = ''

  async function read(): Promise<Uint8Array | undefined> {
    let file
    try {
      file = await open(path, 'r')
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined
      throw new StateStoreError(`The state could not be read from ${where} (${messageOf(error)}). Check that the path names a readable file.`)
    }
    try {
      const { size } = await file.stat()
      if (size > MAX_STATE_BYTES) {
        throw new StateStoreError(`The state in ${where} is ${size} bytes, more than a state's ${MAX_STATE_BYTES}: check that \`state\` names the state file.`)
      }
      // Read at most one byte past the limit, so a file that grows while read cannot make us read it all.
      const buffer = Buffer.alloc(Math.min(size, MAX_STATE_BYTES) + 1)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
      if (bytesRead > MAX_STATE_BYTES) throw new StateStoreError(`The state in ${where} is larger than a state's ${MAX_STATE_BYTES} bytes.`)
      return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead)
    } catch (error) {
      if (error instanceof StateStoreError) throw error
      throw new StateStoreError(`The state could not be read from ${where} (${messageOf(error)}). Check that the path names a readable file.`)
    } finally {
      await file.close()
    }
  }

  return {
    where,
    overlapAdvice,
    async load() {
      const bytes = await read()
      seen = digest(bytes)
      return bytes
    },
    async newer() {
      const bytes = await read()
      // A file removed meanwhile holds nothing to keep.
      if (bytes === undefined || digest(bytes) === seen) return undefined
      seen = digest(bytes)
      return bytes
    },
    async save(bytes) {
      const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
      try {
        await mkdir(dirname(path), { recursive: true })
        await writeFile(temporary, bytes)
        await rename(temporary, path)
        seen = digest(bytes)
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined)
        throw new StateStoreError(`The state could not be written to ${where} (${messageOf(error)}). Check that its folder is writable.`)
      }
    }
  }
}
