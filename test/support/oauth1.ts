/**
 * OAuth 1.0a HMAC-SHA1 as the X stand-in checks it, written from RFC 5849 section 3.4 with node:crypto alone,
 * independent of twitter-api-v2 (the signer under test). test/sources/x-oauth1-signing.test.ts checks it against the
 * worked example in X's documentation.
 */
import { createHmac } from 'node:crypto'

export interface OAuth1Keys {
  consumerKey: string
  consumerSecret: string
  accessToken: string
  accessTokenSecret: string
}

/** RFC 5849 3.6: unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** RFC 5849 3.4.1.2: scheme and host lower case, the port only when it is not the scheme's default, no query. */
export function baseStringUri(url: string): string {
  const u = new URL(url)
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}`
}

/** RFC 5849 3.4.1: method, base string URI and the normalized parameters, each encoded, joined by "&". */
export function signatureBaseString(method: string, url: string, params: [string, string][]): string {
  const normalized = params
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  return [method.toUpperCase(), percentEncode(baseStringUri(url)), percentEncode(normalized)].join('&')
}

/** RFC 5849 3.4.2: HMAC-SHA1 keyed with the encoded consumer secret "&" the encoded token secret, base64. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`)
    .update(baseString)
    .digest('base64')
}

/** The parameters of an `Authorization: OAuth k="v", …` header (RFC 5849 3.5.1), decoded; undefined if it is not one. */
export function parseAuthorization(header: string): Record<string, string> | undefined {
  if (!header.startsWith('OAuth ')) return undefined
  const params: Record<string, string> = {}
  for (const part of header.slice(6).split(',')) {
    const match = /^\s*([A-Za-z0-9_%.-]+)="([^"]*)"\s*$/.exec(part)
    if (!match) return undefined
    params[decodeURIComponent(match[1]!)] = decodeURIComponent(match[2]!)
  }
  return params
}

/**
 * Checks requests as X does: the signature over method, URL and query with both secrets, the consumer key and
 * token, a timestamp within five minutes, and a nonce never seen before. Returns why a request is refused.
 */
export function createOAuth1Verifier(keys: OAuth1Keys, now: () => number = Date.now): (method: string, url: string, header: string) => string | undefined {
  const seen = new Set<string>()
  return (method, url, header) => {
    const oauth = parseAuthorization(header)
    if (!oauth) return 'not an OAuth header'
    if (oauth.oauth_consumer_key !== keys.consumerKey || oauth.oauth_token !== keys.accessToken) return 'unknown consumer key or token'
    if (oauth.oauth_signature_method !== 'HMAC-SHA1') return 'unsupported signature method'
    if (Math.abs(Number(oauth.oauth_timestamp) * 1000 - now()) > 300_000) return 'stale timestamp'
    const nonce = oauth.oauth_nonce ?? ''
    if (!nonce) return 'no nonce'
    const { oauth_signature: signature, ...signed } = oauth
    const query = [...new URL(url).searchParams] as [string, string][]
    const expected = hmacSha1Signature(signatureBaseString(method, url, [...query, ...Object.entries(signed)]), keys.consumerSecret, keys.accessTokenSecret)
    if (signature !== expected) return 'signature does not match'
    if (seen.has(nonce)) return 'nonce already used'
    seen.add(nonce)
    return undefined
  }
}
