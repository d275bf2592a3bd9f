/**
 * The real network under src/http/send.ts: one request over node:http or node:https, its answer handed over as it
 * came off the wire. Unlike the built-in fetch it never decompresses (src/http/send.ts decodes under its size cap,
 * so a gzip bomb cannot expand behind our back) and never follows a redirect.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'

export interface FetchInit {
  method: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
  redirect?: 'manual'
}

/** The part of a fetch Response the transport reads; the built-in fetch's Response is one. */
export interface FetchAnswer {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | null
}

export type Fetch = (url: string, init: FetchInit) => Promise<FetchAnswer>

/** An abort's reason as an Error: AbortSignal.timeout() gives a DOMException named TimeoutError, which is one. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason : Object.assign(new Error('aborted'), { name: 'AbortError' })
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = message.rawHeaders
  // name, value, name, value, …: the list ends where a pair does
  for (let i = 0; ; i += 2) {
    const name = raw[i]
    const value = raw[i + 1]
    if (name === undefined || value === undefined) break
    headers.append(name, value)
  }
  return headers
}

/** Sends one request; the body stays encoded as sent (content-encoding untouched) and a 3xx is answered as is. */
export const rawFetch: Fetch = (url, init) =>
  new Promise<FetchAnswer>((resolve, reject) => {
    const signal = init.signal
    if (signal?.aborted) return reject(abortReason(signal))
    let target: URL
    try {
      target = new URL(url)
    } catch (error) {
      return reject(asError(error))
    }
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined
    if (!send) return reject(Object.assign(new Error('unsupported protocol'), { code: 'ERR_UNSUPPORTED_PROTOCOL' }))
    const headers: Record<string, string> = { ...init.headers }
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))

    let response: IncomingMessage | undefined
    const onAbort = (): void => {
      const reason = signal ? abortReason(signal) : new Error('aborted')
      request.destroy(reason)
      response?.destroy(reason)
      reject(reason)
    }
    let request: ReturnType<typeof httpRequest>
    try {
      // Throws at once for a header value with a newline, for example.
      request = send(target, { method: init.method, headers })
    } catch (error) {
      return reject(asError(error))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const done = (): void => signal?.removeEventListener('abort', onAbort)
    request.on('error', (error) => {
      done()
      reject(error)
    })
    request.on('response', (message) => {
      response = message
      message.on('close', done)
      let answerHeaders: Headers
      try {
        answerHeaders = headersOf(message)
      } catch (error) {
        message.destroy()
        return reject(asError(error))
      }
      resolve({ status: message.statusCode ?? 0, headers: answerHeaders, body: Readable.toWeb(message) as ReadableStream<Uint8Array> })
    })
    request.end(init.body)
  })
