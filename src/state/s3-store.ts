/**
 * The Lambda's state in one S3 object (STATE=s3://bucket/key; the stack creates the bucket, or takes StateS3Uri).
 * The S3 client stays in this file; it honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3, so tests point it at moto.
 *
 * Another run's save is told by the object's ETag: newer() asks for the object only if its ETag is not the one this
 * run read (If-None-Match, so an unchanged object costs no download), and the save is conditional (If-Match on that
 * ETag, or If-None-Match: * where there was no object), so a run that saved in between makes it a StateConflictError.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { messageOf } from '../text/errors.js'
import { oneLine } from '../text/foreign-text.js'
import { MAX_STATE_BYTES, StateConflictError, StateStoreError, type StateStore } from './store.js'

export interface StateObject {
  bucket: string
  key: string
  /** s3://bucket/key, as the setting gave it. */
  uri: string
}

export interface S3StoreOptions {
  object: StateObject
  /** Milliseconds a load or a save may take, asked as it starts: what is left of the run's time. */
  budgetMs: () => number
  /** The S3 client's settings; the SDK's default credentials and region otherwise. */
  client?: S3ClientConfig
}

/** The longest a load or a save may take: a state of a few MiB moves in a second within a region. */
export const MAX_S3_MS = 20_000

/** What keeps two runs of the Lambda from overlapping (StateStore.overlapAdvice): EventBridge starts one on time regardless. */
export const LAMBDA_OVERLAP_ADVICE =
  "keep the stack's Timeout (seconds) shorter than its Frequency (minutes), so that a run ends before the next starts (docs/state.md)"

const SETTING = 'STATE (the stack parameter StateS3Uri)'

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
}

function isDenied(error: unknown): boolean {
  const name = error instanceof Error ? error.name : ''
  return name === 'AccessDenied' || name === 'Forbidden' || statusOf(error) === 403
}

/** Why S3 refused, in a line: what the role needs, or what S3 said (S3's messages carry no secret). */
function describe(error: unknown, object: StateObject, doing: 'read' | 'write', ms: number): string {
  const name = error instanceof Error ? error.name : 'Error'
  const said = oneLine(messageOf(error), 200)
  const arn = `arn:aws:s3:::${object.bucket}/${object.key}`
  if (name === 'AbortError' || name === 'TimeoutError') return `S3 gave no usable answer within ${Math.max(1, Math.round(ms / 1000))} s, retries included`
  if (name === 'NoSuchBucket') return `the bucket "${object.bucket}" does not exist: correct ${SETTING}, or leave StateS3Uri empty for the stack's own bucket`
  if (isDenied(error)) {
    const missing =
      doing === 'read'
        ? '; S3 also answers "access denied" for an object that does not exist yet when the role may not list the bucket, so on the first run with a bucket of your own this is expected, and the run creates the object'
        : ''
    return `access denied: the function's role needs s3:GetObject and s3:PutObject on ${arn} (the stack grants them for the object it names: after changing StateS3Uri update the stack; a bucket encrypted with a KMS key of its own also needs kms:Decrypt and kms:GenerateDataKey)${missing}. S3 said: ${said}`
  }
  return `${name}: ${said}`
}

/** S3's 304 to a read with If-None-Match: the SDK makes it an error without a body, named NotModified or Unknown. */
function notModified(error: unknown): boolean {
  return statusOf(error) === 304 || (error as Error | null)?.name === 'NotModified'
}

/** S3's answers to a conditional write that lost: 412, 409 while another write is under way, 404 for a deleted object. */
function lostTheRace(error: unknown): boolean {
  const name = error instanceof Error ? error.name : ''
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || name === 'NoSuchKey' || [409, 412].includes(statusOf(error) ?? 0)
}

export function createS3Store(options: S3StoreOptions): StateStore {
  const { object } = options
  // The ETag of the object this run last read or wrote; null when there was none; undefined when not known.
  let etag: string | null | undefined
  // How the load went decides the save: after a refused read (maybe only a missing object the role may not list)
  // the save is tried and a refusal not reported again; after S3 failed otherwise, no save over the state saved before.
  let loaded: 'ok' | 'denied' | 'failed' = 'ok'

  async function withClient<T>(doing: 'read' | 'read again' | 'write', call: (client: S3Client, signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = Math.max(1, Math.min(MAX_S3_MS, options.budgetMs()))
    const client = new S3Client({ followRegionRedirects: true, requestHandler: { connectionTimeout: 5_000, requestTimeout: ms }, ...options.client })
    try {
      return await call(client, AbortSignal.timeout(ms))
    } catch (error) {
      if (error instanceof StateStoreError) throw error
      if (doing !== 'write' && (notModified(error) || (error as Error | null)?.name === 'NoSuchKey')) throw error
      if (doing === 'write' && lostTheRace(error)) {
        throw new StateConflictError(`The state ${object.uri} was saved by another run while this one ran, and could not be saved over it.`)
      }
      if (doing === 'read') loaded = isDenied(error) ? 'denied' : 'failed'
      if (doing === 'write' && loaded === 'denied' && isDenied(error)) return undefined as T
      const problem = describe(error, object, doing === 'write' ? 'write' : 'read', ms)
      if (doing === 'read again') throw new StateStoreError(`The state ${object.uri} could not be read again before the save (${problem}).`)
      throw new StateStoreError(
        doing === 'read'
          ? `The state ${object.uri} could not be read (${problem})${loaded === 'denied' ? '.' : '; this run saves none, so the next run reads the state saved before.'}`
          : `The state ${object.uri} could not be saved (${problem}); the next run reads the state saved before this one.`
      )
    } finally {
      client.destroy()
    }
  }

  /** The object's bytes (undefined when there is none, or, with `ifNoneMatch`, when its ETag is still that one). */
  async function get(doing: 'read' | 'read again', ifNoneMatch?: string): Promise<Uint8Array | undefined> {
    try {
      return await withClient(doing, async (client, abortSignal) => {
        const result = await client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, IfNoneMatch: ifNoneMatch }), { abortSignal })
        etag = result.ETag
        const body = result.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined
        const tooLarge = (size: string): StateStoreError =>
          new StateStoreError(
            `The state ${object.uri} is damaged (${size} bytes, more than a state's ${MAX_STATE_BYTES.toLocaleString('en-US')}); this run saves a new one in its place.`
          )
        if (result.ContentLength !== undefined && result.ContentLength > MAX_STATE_BYTES) {
          body?.destroy?.()
          throw tooLarge(result.ContentLength.toLocaleString('en-US'))
        }
        const chunks: Uint8Array[] = []
        let total = 0
        // Counted while streaming too, in case no length was announced.
        for await (const chunk of body ?? []) {
          total += chunk.byteLength
          if (total > MAX_STATE_BYTES) throw tooLarge(`more than ${MAX_STATE_BYTES.toLocaleString('en-US')}`)
          chunks.push(chunk)
        }
        return Buffer.concat(chunks)
      })
    } catch (error) {
      if (notModified(error)) return undefined
      const name = (error as Error | null)?.name
      // No state yet: the first run, or the object was deleted.
      if (name === 'NoSuchKey') {
        etag = null
        return undefined
      }
      throw error
    }
  }

  return {
    where: object.uri,
    overlapAdvice: LAMBDA_OVERLAP_ADVICE,

    load: () => get('read'),

    async newer() {
      // Not known after a refused read (the role may not read it): the save then goes as it would without a look.
      if (loaded !== 'ok' || etag === undefined) return undefined
      return get('read again', etag ?? undefined)
    },

    async save(bytes) {
      if (loaded === 'failed') return
      const condition = etag === undefined ? {} : etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag }
      const put = new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: bytes, ContentType: 'application/json', ...condition })
      const result = await withClient('write', (client, abortSignal) => client.send(put, { abortSignal }))
      etag = result?.ETag
    }
  }
}
