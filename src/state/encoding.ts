/**
 * A state's bytes made while the run still waits on Datadog's answer: its head and its accounts are compressed
 * as they are written, by zlib's stream on libuv's threads rather than the run's own, so the end of the run only
 * adds the series owed and the time. The bytes are those of encodeState: one gzip stream of the same text.
 */
import { createGzip } from 'node:zlib'
import { STATE_GZIP_LEVEL, stateHead, stateTail, type RunState } from './format.js'

export interface StateEncoding {
  /** The accounts it holds: the bytes are those of a state with these accounts, and no other. */
  readonly accounts: RunState['accounts']
  /** Adds the JSON members of some of the accounts (accountTexts), in order. */
  add(texts: readonly string[]): void
  /**
   * The bytes of `state`, whose accounts must be this encoding's: undefined when they are not, when it was
   * finished for another state already, or discarded (the caller then encodes that state at once).
   */
  finish(state: RunState): Promise<Uint8Array> | undefined
  /** Frees zlib's stream when the bytes were not needed (another run's save was merged in): a Lambda process lives on. */
  discard(): void
}

export function startEncoding(prefix: string, accounts: RunState['accounts']): StateEncoding {
  const gzip = createGzip({ level: STATE_GZIP_LEVEL })
  const chunks: Buffer[] = []
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve)
    gzip.on('error', reject)
  })
  // Awaited in finish: until then a failure is held, never an unhandled rejection.
  ended.catch(() => undefined)
  gzip.write(stateHead(prefix))
  let members = 0
  let finishedFor: { state: RunState; bytes: Promise<Uint8Array> } | undefined
  let discarded = false
  return {
    accounts,
    add(texts) {
      if (texts.length === 0) return
      gzip.write((members > 0 ? ',' : '') + texts.join(','))
      members += texts.length
    },
    finish(state) {
      if (discarded || state.accounts !== accounts || (finishedFor && finishedFor.state !== state)) return undefined
      if (!finishedFor) {
        gzip.end(stateTail(state))
        finishedFor = { state, bytes: ended.then(() => Buffer.concat(chunks)) }
      }
      return finishedFor.bytes
    },
    discard() {
      if (finishedFor) return
      discarded = true
      gzip.destroy()
    }
  }
}
