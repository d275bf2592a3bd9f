/**
 * The Lambda's state in one S3 object (STATE=s3://bucket/key; the stack creates the bucket, or takes StateS3Uri).
 * The S3 client stays in this file; it honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3, so tests point it at moto.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { messageOf } from '../text/errors.js'
import { oneLine } from '../text/foreign-text.js'
import { MAX_STATE_BYTES, StateStoreError, type StateStore } from './store.js'

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

export function createS3Store(options: S3StoreOptions): StateStore {
  const { object } = options
  // How the load went decides the save: after a refused read (maybe only a missing object the role may not list)
  // the save is tried and a refusal not reported again; after S3 failed otherwise, no save over the state saved before.
  let loaded: 'ok' | 'denied' | 'failed' = 'ok'

  async function withClient<T>(doing: 'read' | 'write', call: (client: S3Client, signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = Math.max(1, Math.min(MAX_S3_MS, options.budgetMs()))
    const client = new S3Client({ followRegionRedirects: true, requestHandler: { connectionTimeout: 5_000, requestTimeout: ms }, ...options.client })
    try {
      return await call(client, AbortSignal.timeout(ms))
    } catch (error) {
      if (error instanceof StateStoreError) throw error
      if (doing === 'read' && (error as Error | null)?.name === 'NoSuchKey') throw error
      if (doing === 'read') loaded = isDenied(error) ? 'denied' : 'failed'
      if (doing === 'write' && loaded === 'denied' && isDenied(error)) return undefined as T
      const problem = describe(error, object, doing, ms)
      throw new StateStoreError(
        doing === 'read'
          ? `The state ${object.uri} could not be read (${problem})${loaded === 'denied' ? '.' : '; this run saves none, so the next run reads the state saved before.'}`
          : `The state ${object.uri} could not be saved (${problem}); the next run reads the state saved before this one.`
      )
    } finally {
      client.destroy()
    }
  }

  return {
    where: object.uri,

    async load() {
      try {
        return await withClient('read', async (client, abortSignal) => {
          const result = await client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }), { abortSignal })
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
        // No state yet: the first run, or the object was deleted.
        if ((error as Error | null)?.name === 'NoSuchKey') return undefined
        throw error
      }
    },

    async save(bytes) {
      if (loaded === 'failed') return
      await withClient('write', (client, abortSignal) =>
        client.send(new PutObjectCommand({ Bucket: object.bucket, Key: object.key, Body: bytes, ContentType: 'application/json' }), { abortSignal })
      )
    }
  }
}
