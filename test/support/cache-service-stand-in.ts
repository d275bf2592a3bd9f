/**
 * A stand-in for GitHub's Actions cache service (the 2025 protocol, "v2") on 127.0.0.1, answering the calls
 * @actions/cache makes: the results service's twirp methods in JSON, with the shapes of the toolkit's generated
 * types (packages/cache/src/generated/results/api/v1/cache.ts, field names as in the .proto, int64 as strings),
 * and a blob endpoint behind the signed URLs as the Azure blob SDK and the toolkit's HTTP client use it: Put Blob
 * (one PUT), Put Block and Put Block List, Get Blob whole or by range, Get Blob Properties (HEAD).
 * An entry is found by its exact key first, then by each restore key as a prefix, newest first, and only with the
 * same version (the hash of the archived paths and the compression), as the real service finds them.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/'
export const CACHE_TOKEN = 'actions-runtime-token-for-tests-5e2b'
const SIGNATURE = 'sig=stand-in-signature-a41c'

export interface CacheEntry {
  id: number
  key: string
  version: string
  /** Set once the blob is committed (Put Blob, or Put Block List). */
  blob?: Buffer
  finalized: boolean
}

export interface CacheCall {
  /** A twirp method (GetCacheEntryDownloadURL, …), or the blob request's method (PUT, GET, HEAD). */
  call: string
  authorization?: string
  body?: Record<string, unknown>
  /** For blob requests: the query (comp=block, …) and the range asked for. */
  query?: string
  range?: string
}

/** What the stand-in does wrong, until set back to undefined. */
export type CacheFault = { twirp: number; retryAfter?: string } | { twirp: 'silent' } | { blob: number } | { blob: 'silent' | 'damaged' }

export interface CacheServiceStandIn {
  url: string
  entries: CacheEntry[]
  calls: CacheCall[]
  fault: CacheFault | undefined
  /** The variables a runner gives a step for this service: the token, the results service, v2. */
  env: Record<string, string>
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Azure's error codes and messages for a refused signature and a busy server. */
const BLOB_REFUSED = [
  'AuthenticationFailed',
  'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.'
]
const BLOB_BUSY = ['ServerBusy', 'The server is busy.']

const TWIRP_CODES: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  404: 'not_found',
  409: 'already_exists',
  429: 'resource_exhausted'
}

function twirpError(res: ServerResponse, status: number, msg: string, headers: Record<string, string> = {}): void {
  const code = TWIRP_CODES[status] ?? (status === 503 ? 'unavailable' : 'internal')
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify({ code, msg }))
}

function twirpAnswer(res: ServerResponse, body: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** The headers Azure gives every blob answer. */
function blobHeaders(blob?: Buffer): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomBytes(8).toString('hex'),
    'x-ms-version': '2025-01-05',
    date: new Date().toUTCString(),
    'last-modified': new Date().toUTCString(),
    etag: `"0x${randomBytes(6).toString('hex').toUpperCase()}"`
  }
  if (blob) headers['content-md5'] = createHash('md5').update(blob).digest('base64')
  return headers
}

export async function startCacheServiceStandIn(): Promise<CacheServiceStandIn> {
  const sockets = new Set<Socket>()
  const blocks = new Map<number, Map<string, Buffer>>()
  let nextId = 1
  const standIn: CacheServiceStandIn = {
    url: '',
    entries: [],
    calls: [],
    fault: undefined,
    env: {},
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
  const blobUrl = (entry: CacheEntry): string =>
    `${standIn.url}/devstoreaccount1/actions-cache/entry-${entry.id}.tzst?sv=2025-01-05&se=2099-01-01&sp=rcw&${SIGNATURE}`

  function lookup(key: string, restoreKeys: string[], version: string): CacheEntry | undefined {
    const usable = standIn.entries.filter((entry) => entry.finalized && entry.version === version).reverse()
    return (
      usable.find((entry) => entry.key === key) ?? [key, ...restoreKeys].map((prefix) => usable.find((entry) => entry.key.startsWith(prefix))).find(Boolean)
    )
  }

  function twirp(method: string, body: Record<string, unknown>, res: ServerResponse): void {
    const key = typeof body.key === 'string' ? body.key : ''
    const version = typeof body.version === 'string' ? body.version : ''
    if (method === 'GetCacheEntryDownloadURL') {
      const found = lookup(key, (body.restore_keys as string[] | undefined) ?? [], version)
      return twirpAnswer(res, found ? { ok: true, signed_download_url: blobUrl(found), matched_key: found.key } : { ok: false })
    }
    if (method === 'CreateCacheEntry') {
      if (!key || !version) return twirpError(res, 400, 'key and version are required')
      if (standIn.entries.some((entry) => entry.key === key && entry.version === version)) {
        return twirpError(res, 409, 'cache entry with the same key, version, and scope already exists')
      }
      const entry: CacheEntry = { id: nextId++, key, version, finalized: false }
      standIn.entries.push(entry)
      return twirpAnswer(res, { ok: true, signed_upload_url: blobUrl(entry) })
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = standIn.entries.find((candidate) => candidate.key === key && candidate.version === version && !candidate.finalized)
      if (!entry?.blob) return twirpAnswer(res, { ok: false, message: 'no upload for this key' })
      if (String(entry.blob.length) !== String(body.size_bytes)) return twirpAnswer(res, { ok: false, message: 'size does not match the upload' })
      entry.finalized = true
      return twirpAnswer(res, { ok: true, entry_id: String(entry.id) })
    }
    twirpError(res, 404, `no such method ${method}`)
  }

  function blob(req: IncomingMessage, url: URL, raw: Buffer, res: ServerResponse): void {
    const entry = standIn.entries.find((candidate) => url.pathname === new URL(blobUrl(candidate)).pathname)
    if (!url.search.includes(SIGNATURE) || !entry) {
      res.writeHead(entry ? 403 : 404, { 'content-type': 'application/xml', 'x-ms-error-code': entry ? 'AuthenticationFailed' : 'BlobNotFound' })
      return void res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${entry ? 'AuthenticationFailed' : 'BlobNotFound'}</Code><Message>no</Message></Error>`
      )
    }
    const comp = url.searchParams.get('comp')
    if (req.method === 'PUT') {
      if (comp === 'block') {
        const list = blocks.get(entry.id) ?? new Map<string, Buffer>()
        blocks.set(entry.id, list.set(url.searchParams.get('blockid') ?? '', raw))
      } else if (comp === 'blocklist') {
        const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((match) => match[1]!)
        entry.blob = Buffer.concat(ids.map((id) => blocks.get(entry.id)?.get(id) ?? Buffer.alloc(0)))
      } else {
        entry.blob = raw
      }
      res.writeHead(201, { ...blobHeaders(comp ? undefined : raw), 'x-ms-request-server-encrypted': 'true', 'content-length': '0' })
      return void res.end()
    }
    let bytes = entry.blob ?? Buffer.alloc(0)
    if (standIn.fault && 'blob' in standIn.fault && standIn.fault.blob === 'damaged')
      bytes = Buffer.from('this is not a tar archive, only damaged bytes\n'.repeat(8))
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''))
    const headers = { ...blobHeaders(), 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' }
    if (range && req.method === 'GET') {
      const start = Number(range[1])
      const end = Math.min(bytes.length - 1, range[2] ? Number(range[2]) : bytes.length - 1)
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': String(end - start + 1) })
      return void res.end(bytes.subarray(start, end + 1))
    }
    res.writeHead(200, { ...headers, 'content-length': String(bytes.length) })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      const url = new URL(req.url ?? '/', standIn.url)
      const fault = standIn.fault
      if (url.pathname.startsWith(SERVICE)) {
        const method = url.pathname.slice(SERVICE.length)
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>
        } catch {
          return twirpError(res, 400, 'the body is not JSON')
        }
        standIn.calls.push({ call: method, authorization: req.headers.authorization, body })
        if (fault && 'twirp' in fault) {
          if (fault.twirp === 'silent') return
          return twirpError(res, fault.twirp, 'the cache service is having trouble', fault.retryAfter ? { 'retry-after': fault.retryAfter } : {})
        }
        if (req.headers.authorization !== `Bearer ${CACHE_TOKEN}`) return twirpError(res, 401, 'the token is missing or wrong')
        return twirp(method, body, res)
      }
      const range = req.headers['x-ms-range'] ?? req.headers.range
      standIn.calls.push({ call: req.method ?? '', query: url.searchParams.get('comp') ?? '', range: range ? String(range) : undefined })
      if (fault && 'blob' in fault && fault.blob === 'silent') return
      if (fault && 'blob' in fault && typeof fault.blob === 'number') {
        const [code, message] = fault.blob < 500 ? BLOB_REFUSED : BLOB_BUSY
        res.writeHead(fault.blob, { 'content-type': 'application/xml', 'x-ms-error-code': code })
        return void res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`)
      }
      blob(req, url, raw, res)
    })()
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  standIn.env = { ACTIONS_RUNTIME_TOKEN: CACHE_TOKEN, ACTIONS_RESULTS_URL: `${standIn.url}/`, ACTIONS_CACHE_SERVICE_V2: 'True' }
  return standIn
}
