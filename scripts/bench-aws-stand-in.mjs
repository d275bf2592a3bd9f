/**
 * The AWS services the stack's function uses, on 127.0.0.1, for scripts/bench-lambda.mjs: Secrets Manager's
 * GetSecretValue (JSON 1.1 protocol, POST / with X-Amz-Target) and S3's GetObject and PutObject on path-style URLs
 * (the SDK uses them for an endpoint that is an IP address), with the ETag conditions the state store sends
 * (If-None-Match on a read, 304 when unchanged; If-Match or If-None-Match: * on a write, 412 when they fail), and
 * S3's XML errors. Credentials and signatures are not checked. The function reaches it through AWS_ENDPOINT_URL.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'

/** An aws-chunked body (a streamed upload with its checksum in a trailer) decoded to its bytes. */
function unchunk(raw) {
  const parts = []
  let at = 0
  for (;;) {
    const end = raw.indexOf('\r\n', at)
    const size = parseInt(raw.subarray(at, end).toString('latin1').split(';')[0], 16)
    if (!(size > 0)) return Buffer.concat(parts)
    parts.push(raw.subarray(end + 2, end + 2 + size))
    at = end + 2 + size + 2
  }
}

function s3Error(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'bench' })
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>bench</RequestId></Error>`)
}

/** `secrets`: SecretId → the secret string. Returns the server's URL, the stored objects (path → bytes) and close(). */
export async function startAwsStandIn(secrets) {
  const objects = new Map()
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const target = req.headers['x-amz-target']
      if (req.method === 'POST' && target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(raw.toString('utf8'))
        const secret = secrets[SecretId]
        res.writeHead(secret === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' })
        return res.end(
          JSON.stringify(
            secret === undefined
              ? { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }
              : {
                  ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
                  Name: SecretId,
                  SecretString: secret,
                  VersionId: 'v1',
                  VersionStages: ['AWSCURRENT'],
                  CreatedDate: 1_700_000_000
                }
          )
        )
      }
      const path = decodeURIComponent(new URL(req.url, 'http://s3').pathname)
      const stored = objects.get(path)
      if (req.method === 'GET') {
        if (!stored) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.')
        if (req.headers['if-none-match'] === stored.etag) {
          res.writeHead(304, { etag: stored.etag })
          return res.end()
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.bytes.length, etag: stored.etag })
        return res.end(stored.bytes)
      }
      if (req.method === 'PUT') {
        const ifMatch = req.headers['if-match']
        const ifNoneMatch = req.headers['if-none-match']
        if ((ifMatch !== undefined && ifMatch !== stored?.etag) || (ifNoneMatch === '*' && stored)) {
          return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold')
        }
        const bytes = String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ? unchunk(raw) : raw
        const etag = `"${createHash('md5').update(bytes).digest('hex')}"`
        objects.set(path, { bytes, etag })
        res.writeHead(200, { etag })
        return res.end()
      }
      s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, objects, close: () => server.close() }
}
