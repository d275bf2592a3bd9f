/**
 * Local stand-ins for X and Datadog on 127.0.0.1, answering as their public docs describe.
 * Real sockets; tests script faults by overriding individual answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { createOAuth1Verifier, type OAuth1Keys } from './oauth1.js'

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  /** Decompressed body text. */
  body: string
  /** Bytes as they arrived on the wire. */
  rawLength: number
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Wait this long before answering (a hang, when longer than the client's timeout). */
  delayMs?: number
  /** Destroy the socket after sending the headers and part of the body. */
  resetMidBody?: boolean
  /** Writes the whole answer itself instead (endless, huge or binary bodies; see hostile-answers.ts). */
  raw?: (res: ServerResponse) => void
}

/**
 * Returns an answer to override the stand-in's normal behaviour, or undefined to answer normally.
 * `normal()` computes the normal answer (with its effects, such as recording accepted series), so an
 * override can alter it: delay it, cut it off, or edit its body.
 */
export type Override = (request: RecordedRequest, index: number, normal: () => Answer) => Answer | undefined

export interface StandIn {
  url: string
  requests: RecordedRequest[]
  override: Override | undefined
  /** The most requests that were ever open at once: arrived and not yet fully answered. */
  inFlightPeak: number
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function reply(res: ServerResponse, answer: Answer): void {
  const write = (): void => {
    if (answer.raw) return answer.raw(res)
    const body = answer.body ?? ''
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
    if (answer.resetMidBody) {
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))))
      setTimeout(() => res.socket?.destroy(), 10)
      return
    }
    res.end(body)
  }
  // unref: a delayed answer still pending when a test ends must not keep the test process alive.
  if (answer.delayMs) setTimeout(write, answer.delayMs).unref()
  else write()
}

export async function start(handle: (request: RecordedRequest) => Answer): Promise<StandIn> {
  const sockets = new Set<import('node:net').Socket>()
  const standIn: StandIn = {
    url: '',
    requests: [],
    override: undefined,
    inFlightPeak: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
  let inFlight = 0
  const server: Server = createServer((req, res) => {
    standIn.inFlightPeak = Math.max(standIn.inFlightPeak, ++inFlight)
    res.once('close', () => inFlight--)
    void (async () => {
      const raw = await readBody(req)
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString()
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, rawLength: raw.length }
      const index = standIn.requests.push(request) - 1
      let normal: Answer | undefined
      const computeNormal = (): Answer => (normal ??= handle(request))
      reply(res, standIn.override?.(request, index, computeNormal) ?? computeNormal())
    })()
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return standIn
}

export type XUser =
  { followers_count: number; following_count: number; tweet_count: number; listed_count: number; like_count?: number; media_count?: number } | 'suspended'

export interface XStandIn extends StandIn {
  users: Map<string, XUser>
  /** Each user's id (lower-case username → id), stable for the stand-in's life; a user added later gets one when first asked. */
  ids: Map<string, string>
  /** The user `from` takes the username `to`, keeping its id and counts (a rename on X). */
  rename(from: string, to: string): void
  /** Lookups answered so far, for rate-limit headers. */
  remaining: number
  /** Why each OAuth 1.0a request refused with 401 was refused ("nonce already used", …). */
  oauthRefusals: string[]
}

export const X_TOKEN = 'x-bearer-token-for-tests-0d1e'

/** The OAuth 1.0a keys the X stand-in accepts unless told others. */
export const X_OAUTH: OAuth1Keys = {
  consumerKey: 'x-consumer-key-for-tests-51c2',
  consumerSecret: 'x-consumer-secret-for-tests-a9e0',
  accessToken: '4242-x-access-token-for-tests-77b1',
  accessTokenSecret: 'x-access-token-secret-for-tests-3f68'
}

/**
 * X API v2 `GET /2/users/by` and `GET /2/users?ids=`: data for known users, an errors entry for unknown or suspended ones. A bearer token
 * must match `token`; an OAuth 1.0a header must carry a valid HMAC-SHA1 signature made with `oauth`'s secrets,
 * a fresh timestamp and a nonce not used before, or X answers 401.
 */
export async function startXStandIn(users: Record<string, XUser> = {}, token = X_TOKEN, oauth: OAuth1Keys = X_OAUTH): Promise<XStandIn> {
  const table = new Map(Object.entries(users).map(([name, value]) => [name.toLowerCase(), value]))
  let remaining = 900
  const verify = createOAuth1Verifier(oauth)
  const ids = new Map<string, string>()
  const idOf = (name: string): string => {
    const key = name.toLowerCase()
    if (!ids.has(key)) ids.set(key, String(2_244_994_945 + ids.size))
    return ids.get(key) ?? ''
  }
  for (const name of table.keys()) idOf(name)
  const standIn = (await start((request) => {
    const url = new URL(request.url, 'http://127.0.0.1')
    const auth = request.headers.authorization ?? ''
    const refusal =
      auth === `Bearer ${token}` ? undefined : auth.startsWith('OAuth ') ? verify(request.method, `${standIn.url}${request.url}`, auth) : 'no credentials'
    if (refusal) {
      if (auth.startsWith('OAuth ')) standIn.oauthRefusals.push(refusal)
      return { status: 401, body: JSON.stringify({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }) }
    }
    const byId = url.pathname === '/2/users'
    if (request.method !== 'GET' || (url.pathname !== '/2/users/by' && !byId)) {
      return { status: 404, body: JSON.stringify({ title: 'Not Found', type: 'about:blank', status: 404, detail: 'Not Found' }) }
    }
    const parameter = byId ? 'ids' : 'usernames'
    const names = (url.searchParams.get(parameter) ?? '').split(',').filter(Boolean)
    if (names.length > 100) {
      return {
        status: 400,
        body: JSON.stringify({
          errors: [
            {
              parameters: { [parameter]: [] },
              message: `The number of values in the \`${parameter}\` query parameter list [${names.length}] is not between 1 and 100`
            }
          ],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request'
        })
      }
    }
    const data: unknown[] = []
    const errors: unknown[] = []
    for (const value of names) {
      const name = byId ? ([...ids].find(([, id]) => id === value)?.[0] ?? '') : value
      const user = table.get(name.toLowerCase())
      if (user === undefined) {
        errors.push({
          value,
          detail: `Could not find user with ${parameter}: [${value}].`,
          title: 'Not Found Error',
          resource_type: 'user',
          parameter,
          resource_id: value,
          type: 'https://api.twitter.com/2/problems/resource-not-found'
        })
      } else if (user === 'suspended') {
        errors.push({
          value,
          detail: `User has been suspended: [${value}].`,
          title: 'Forbidden',
          resource_type: 'user',
          parameter,
          resource_id: value,
          type: 'https://api.twitter.com/2/problems/resource-not-found'
        })
      } else {
        data.push({ id: idOf(name), name: name.toUpperCase(), username: byId ? name : value, public_metrics: user })
      }
    }
    remaining = Math.max(0, remaining - 1)
    standIn.remaining = remaining
    const body: Record<string, unknown> = {}
    if (data.length > 0) body.data = data
    if (errors.length > 0) body.errors = errors
    return {
      status: 200,
      headers: { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 900) },
      body: JSON.stringify(body)
    }
  })) as XStandIn
  standIn.users = table
  standIn.ids = ids
  standIn.rename = (from, to) => {
    const user = table.get(from.toLowerCase())
    if (user === undefined) throw new Error(`the X stand-in has no user ${from}`)
    ids.set(to.toLowerCase(), idOf(from))
    ids.delete(from.toLowerCase())
    table.delete(from.toLowerCase())
    table.set(to.toLowerCase(), user)
  }
  standIn.remaining = remaining
  standIn.oauthRefusals = []
  return standIn
}

export const DD_KEY = 'dd-api-key-for-tests-7f3a'

export interface DatadogStandIn extends StandIn {
  /** Every series accepted, in order. */
  series: { metric: string; type: number; points: { timestamp: number; value: number }[]; tags: string[] }[]
}

/**
 * Datadog `POST /api/v2/series`: DD-API-KEY checked, gzip bodies, the documented size limits, 202 on success.
 * `otherRoutes` answers any other request (see datadog-api-stand-in.ts); undefined means 404.
 */
export async function startDatadogStandIn(apiKey = DD_KEY, otherRoutes?: (request: RecordedRequest) => Answer | undefined): Promise<DatadogStandIn> {
  const standIn = (await start((request) => {
    if (request.method !== 'POST' || request.url !== '/api/v2/series') {
      return otherRoutes?.(request) ?? { status: 404, body: JSON.stringify({ errors: ['Not found'] }) }
    }
    if (request.headers['dd-api-key'] !== apiKey) return { status: 403, body: JSON.stringify({ errors: ['Forbidden'] }) }
    // "The maximum payload size is 500 kilobytes (512000 bytes)... a decompressed size of less than 5 megabytes (5242880 bytes)."
    if (request.rawLength > 512_000 || Buffer.byteLength(request.body) >= 5_242_880) {
      return { status: 413, body: JSON.stringify({ errors: ['Payload too large'] }) }
    }
    let payload: { series?: DatadogStandIn['series'] }
    try {
      payload = JSON.parse(request.body) as typeof payload
    } catch {
      return { status: 400, body: JSON.stringify({ errors: ['Unable to decompress payload or invalid JSON'] }) }
    }
    if (!Array.isArray(payload.series)) return { status: 400, body: JSON.stringify({ errors: ['series is required'] }) }
    standIn.series.push(...payload.series)
    return { status: 202, body: JSON.stringify({ errors: [] }) }
  })) as DatadogStandIn
  standIn.series = []
  return standIn
}

/** Public metrics for a test user, distinct per name so mix-ups show. */
export function metricsFor(seed: number): Exclude<XUser, 'suspended'> {
  return {
    followers_count: 1000 + seed,
    following_count: 100 + seed,
    tweet_count: 5000 + seed,
    listed_count: 10 + seed,
    like_count: 200 + seed,
    media_count: 30 + seed
  }
}
