/** Answers a hostile server gives, for any stand-in's `override`: bodies without end, bombs, redirects, silence. */
import type { ServerResponse } from 'node:http'
import { gzipSync } from 'node:zlib'
import type { Answer } from './stand-ins.js'

const MiB = 1024 * 1024

/** Writes `chunk` again and again, honouring backpressure, until `total` bytes or the client goes away. */
function pump(res: ServerResponse, chunk: Buffer, total = Infinity): void {
  let sent = 0
  const more = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length
      if (!res.write(chunk)) return void res.once('drain', more)
    }
    if (sent >= total) res.end()
  }
  res.on('error', () => undefined)
  more()
}

/** 200 with a JSON-looking body that never ends. */
export function endlessBody(): Answer {
  return {
    status: 200,
    raw: (res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"data":[')
      pump(res, Buffer.from('{"username":"padding","public_metrics":{}},'.repeat(1500)))
    }
  }
}

/** 200 with `bytes` of JSON: a valid answer, only far too big. */
export function largeBody(bytes = 50 * MiB): Answer {
  return {
    status: 200,
    raw: (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) })
      pump(res, Buffer.alloc(MiB, ' '), bytes)
    }
  }
}

let bomb: Buffer | undefined

/**
 * 4 MiB of gzip that expands to 4 GiB: 256 gzip members of 16 MiB of zeros each (a gzip stream may hold
 * several members, and a decoder must read them all), built in a fraction of a second.
 */
export function gzipBombBytes(): Buffer {
  if (!bomb) {
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 })
    bomb = Buffer.concat(Array.from({ length: Math.ceil((4 * MiB) / member.length) }, () => member))
  }
  return bomb
}

/** 200 with content-encoding: gzip and a bomb for a body. */
export function gzipBomb(): Answer {
  const body = gzipBombBytes()
  return {
    status: 200,
    raw: (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) })
      res.on('error', () => undefined)
      res.end(body)
    }
  }
}

export function redirectTo(location: string, status = 302): Answer {
  return { status, headers: { location }, body: '' }
}

/** Reads the request, then never answers (the client's timeout or the run's deadline must end it). */
export function neverAnswers(): Answer {
  return { status: 0, raw: () => undefined }
}
