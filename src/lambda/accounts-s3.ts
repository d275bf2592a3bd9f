/**
 * The Lambda's account list from an S3 object (the stack's AccountsS3Uri, ACCOUNTS_S3_URI), read on
 * every run so an edited list applies at the next run. The S3 client stays in this file; it honours
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3, so tests point it at a local emulator.
 */
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import type { AccountList } from '../config/accounts.js'
import { parseS3Uri as parseS3UriOf, type S3Location } from '../config/s3-uri.js'
import { ConfigError, messageOf, quote } from '../text/errors.js'
import { oneLine } from '../text/foreign-text.js'

export type { S3Location }

/**
 * 10,000 accounts of up to 300 characters each is 3 MB; with comments, 4 MiB is generous. A larger
 * object is not an account list (a log, an archive), and reading it would only cost memory.
 */
export const MAX_ACCOUNTS_OBJECT_BYTES = 4 * 1024 * 1024

const SETTING = 'ACCOUNTS_S3_URI (the stack parameter AccountsS3Uri)'

/** s3://bucket/key → its parts; anything else is refused before any request, saying what the form is. */
export function parseS3Uri(uri: string): S3Location {
  return parseS3UriOf(uri, SETTING)
}

/** Reads an object's bytes; refuses (ConfigError) an object larger than `maxBytes` without reading it all. */
export type ReadObject = (location: S3Location, maxBytes: number) => Promise<Uint8Array>

function tooLarge(location: S3Location, bytes: number | undefined, maxBytes: number): ConfigError {
  const size = bytes === undefined ? `more than ${maxBytes.toLocaleString('en-US')}` : bytes.toLocaleString('en-US')
  return new ConfigError([
    `the account list ${location.uri} is ${size} bytes; an account list is at most ${maxBytes.toLocaleString('en-US')} bytes (10,000 accounts, one a line). Check that ${SETTING} names the list and not another file.`
  ])
}

/** The real reader: the SDK's default credentials and region, a bucket in another region followed. */
export function s3ObjectReader(config: S3ClientConfig = {}): ReadObject {
  return async (location, maxBytes) => {
    const client = new S3Client({ followRegionRedirects: true, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 }, ...config })
    try {
      const result = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }))
      const body = result.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined
      if (result.ContentLength !== undefined && result.ContentLength > maxBytes) {
        body?.destroy?.()
        throw tooLarge(location, result.ContentLength, maxBytes)
      }
      const chunks: Uint8Array[] = []
      let total = 0
      // Counted while streaming too, in case a length was not announced.
      for await (const chunk of body ?? []) {
        total += chunk.byteLength
        if (total > maxBytes) throw tooLarge(location, undefined, maxBytes)
        chunks.push(chunk)
      }
      return Buffer.concat(chunks)
    } finally {
      client.destroy()
    }
  }
}

/** Explains why S3 refused, naming the object and what to do; S3's messages carry no secret. */
export function describeS3Error(error: unknown, location: S3Location): string {
  const name = error instanceof Error ? error.name : 'Error'
  const message = oneLine(messageOf(error))
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
  const what = `the account list ${location.uri} (${SETTING})`
  if (name === 'NoSuchKey' || (name === 'NotFound' && status === 404)) {
    return `${what} does not exist: upload it (aws s3 cp accounts.txt ${location.uri}), or correct the URI.`
  }
  if (name === 'NoSuchBucket') return `${what} is in the bucket ${quote(location.bucket)}, which does not exist: correct the URI.`
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return (
      `the function may not read ${what}. Its role needs s3:GetObject on arn:aws:s3:::${location.bucket}/${location.key}; the stack grants exactly the object ` +
      `named in AccountsS3Uri, so after changing the URI update the stack. Without s3:ListBucket, S3 also answers "access denied" for an object that does not ` +
      `exist: check that it was uploaded under exactly this key. If the bucket encrypts with a KMS key of its own, the role needs kms:Decrypt on that key too. S3 said: ${message}`
    )
  }
  if (name === 'InvalidObjectState') return `${what} is archived (Glacier storage class): restore it, or upload the list again in the Standard storage class.`
  return `reading ${what} from S3 failed (${name}): ${message}`
}

const GZIP_MAGIC = [0x1f, 0x8b]

/** The object's text: UTF-8 (a byte-order mark is dropped), and never binary. */
function textOf(bytes: Uint8Array, location: S3Location): string {
  const refuse = (why: string): ConfigError =>
    new ConfigError([`the account list ${location.uri} ${why}: upload a plain UTF-8 text file, one or more accounts a line (# starts a comment).`])
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) throw refuse('is gzip-compressed')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw refuse('is not UTF-8 text')
  }
  if (text.includes('\u0000')) throw refuse('is binary (it contains NUL bytes)')
  return text
}

/**
 * Reads the account list at `uri` as a file (comments and blank lines ignored), to merge with the
 * `accounts` setting. Every failure is a ConfigError that says what to do.
 */
export async function readAccountsObject(location: S3Location, read: ReadObject): Promise<AccountList> {
  let bytes: Uint8Array
  try {
    bytes = await read(location, MAX_ACCOUNTS_OBJECT_BYTES)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError([describeS3Error(error, location)])
  }
  return { source: location.uri, text: textOf(bytes, location), file: true }
}
