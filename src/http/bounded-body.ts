/** Reading an answer under a size cap, decompression included, with our own streaming decoders. */
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { RefusedAnswerError, errorCode } from './errors.js'
import { quoteValue } from '../text/foreign-text.js'

/**
 * The largest answer read, after decompression: X, Bluesky, Mastodon and Datadog answer in kilobytes (a
 * 100-user X lookup is about 30 KB), and a few of these at once stay far below the Lambda's 256 MB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

/** Counts bytes through it and fails once more than `limit` passed. */
function capped(limit: number, tooLarge: () => Error): Transform {
  let size = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      size += chunk.length
      if (size > limit) callback(tooLarge())
      else callback(null, chunk)
    }
  })
}

function decoderFor(coding: string): Transform | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip()
  if (coding === 'deflate') return createInflate()
  if (coding === 'br') return createBrotliDecompress()
  return undefined
}

/**
 * Reads a body under the cap: the bytes on the wire and, through our own streaming decoders, the bytes they
 * decode to. Stops reading (and drops the connection) the moment either passes the cap.
 */
export async function readBody(
  answer: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  limit: number,
  describe: (what: string) => string
): Promise<string> {
  if (!answer.body) return ''
  const codings = (answer.headers.get('content-encoding') ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity')
  const decoders: Transform[] = []
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of codings.reverse()) {
    const decoder = decoderFor(coding)
    if (!decoder || decoders.length >= 2) {
      await answer.body.cancel().catch(() => undefined)
      throw new RefusedAnswerError(describe(`with a content-encoding that is not gzip, deflate or br (${quoteValue(coding, 20)}), which was not read`))
    }
    decoders.push(decoder)
  }
  const tooLarge = (): Error => new RefusedAnswerError(describe(`with a body larger than ${Math.round(limit / 1024)} KiB, which was not read`))
  const chunks: Buffer[] = []
  try {
    const source = Readable.fromWeb(answer.body)
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk)
        callback()
      }
    })
    await pipeline([source, capped(limit, tooLarge), ...decoders, capped(limit, tooLarge), sink])
  } catch (error) {
    if (error instanceof RefusedAnswerError) throw error
    const code = errorCode(error)
    if (decoders.length > 0 && code && /^(Z_|ERR__?ZLIB|ERR_BROTLI)/.test(code)) {
      throw new RefusedAnswerError(describe(`with a ${codings.join(', ')} body that does not decode (${code})`))
    }
    throw error
  }
  return Buffer.concat(chunks).toString('utf8')
}
