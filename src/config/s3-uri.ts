/** An s3://bucket/key setting (the Lambda's account list, the state's object), checked before any request. */
import { ConfigError, quote } from '../text/errors.js'

export interface S3Location {
  bucket: string
  key: string
  /** As the user wrote it: s3://bucket/key. */
  uri: string
}

/** S3's rules for bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** s3://bucket/key → its parts; anything else is refused, naming `setting` and saying what the form is. */
export function parseS3Uri(uri: string, setting: string, example = 's3://my-bucket/twitter-stats/accounts.txt'): S3Location {
  const form = `use the form s3://bucket/key, for example "${example}"`
  const match = /^s3:\/\/([^/]*)\/(.*)$/s.exec(uri)
  if (!match) throw new ConfigError([`${setting} ${quote(uri)} is not an S3 URI: ${form}.`])
  const [, bucket, key] = match as unknown as [string, string, string]
  if (!BUCKET.test(bucket)) {
    throw new ConfigError([
      `${setting} ${quote(uri)} names the bucket ${quote(bucket)}, which is not an S3 bucket name (3 to 63 lower-case letters, digits, dots or hyphens): ${form}.`
    ])
  }
  if (key.length === 0 || key.endsWith('/')) throw new ConfigError([`${setting} ${quote(uri)} names no object (a key ending in "/" is a folder): ${form}.`])
  if (Buffer.byteLength(key) > 1024) throw new ConfigError([`${setting} ${quote(uri)} has a key longer than S3 allows (1,024 bytes).`])
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new ConfigError([`${setting} ${quote(uri)} has a control character in its key: ${form}.`])
  return { bucket, key, uri }
}
