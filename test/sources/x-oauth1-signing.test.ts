/**
 * OAuth 1.0a signed per attempt: twitter-api-v2's signer reproduces the published HMAC-SHA1 example, the X
 * stand-in checks signatures with both secrets and refuses a reused nonce, and every retry is signed anew.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { OAuth1Helper } from 'twitter-api-v2/dist/cjs/client-mixins/oauth1.helper.js'
import type { Account } from '../../src/model.js'
import { DEFAULT_POLICY } from '../../src/http/retry.js'
import { realHttpDeps, send, type HttpDeps } from '../../src/http/send.js'
import { createXSource } from '../../src/sources/x.js'
import { createOAuth1Verifier, hmacSha1Signature, parseAuthorization, signatureBaseString } from '../support/oauth1.js'
import { X_OAUTH, metricsFor, startXStandIn, type XStandIn } from '../support/stand-ins.js'

/**
 * The worked example of X's "Creating a signature" (docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature,
 * xdevplatform/docs commit 93da0e8): every input, the signature base string and the signature as published there.
 */
const PUBLISHED = {
  method: 'POST',
  url: 'https://api.x.com/1.1/statuses/update.json?include_entities=true',
  body: { status: 'Hello Ladies + Gentlemen, a signed OAuth request!' },
  consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
  consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
  token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
  tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
  timestamp: 1318622958,
  baseString:
    'POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521',
  signature: 'Ls93hJiZbQ3akF3HF3x1Bz8/zU4='
}

/** The library's signer with the example's nonce and timestamp instead of fresh ones. */
class PinnedHelper extends OAuth1Helper {
  protected override getNonce(): string {
    return PUBLISHED.nonce
  }
  protected override getTimestamp(): number {
    return PUBLISHED.timestamp
  }
  baseString(...args: Parameters<OAuth1Helper['getBaseString']>): string {
    return this.getBaseString(...args)
  }
}

describe('the signature matches the published HMAC-SHA1 example', () => {
  test('twitter-api-v2 (the signer we ship) reproduces it: a guard for upgrades of the pinned version', () => {
    const helper = new PinnedHelper({ consumerKeys: { key: PUBLISHED.consumerKey, secret: PUBLISHED.consumerSecret } })
    const request = { url: PUBLISHED.url, method: PUBLISHED.method, data: PUBLISHED.body }
    const info = helper.authorize(request, { key: PUBLISHED.token, secret: PUBLISHED.tokenSecret })
    const { oauth_signature: signature, ...unsigned } = info
    expect(helper.baseString(request, unsigned as typeof info)).toBe(PUBLISHED.baseString)
    expect(signature).toBe(PUBLISHED.signature)
    expect(parseAuthorization(helper.toHeader(info).Authorization)).toMatchObject({ oauth_signature: PUBLISHED.signature, oauth_nonce: PUBLISHED.nonce })
  })

  test("the stand-in's own signer (node:crypto, RFC 5849 3.4) reproduces it too, so its checks can be trusted", () => {
    const oauth: [string, string][] = [
      ['oauth_consumer_key', PUBLISHED.consumerKey],
      ['oauth_nonce', PUBLISHED.nonce],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', String(PUBLISHED.timestamp)],
      ['oauth_token', PUBLISHED.token],
      ['oauth_version', '1.0']
    ]
    const base = signatureBaseString(PUBLISHED.method, PUBLISHED.url, [['include_entities', 'true'], ['status', PUBLISHED.body.status], ...oauth])
    expect(base).toBe(PUBLISHED.baseString)
    expect(hmacSha1Signature(base, PUBLISHED.consumerSecret, PUBLISHED.tokenSecret)).toBe(PUBLISHED.signature)
  })

  test('the verifier refuses a wrong secret, a replayed nonce and a stale timestamp', () => {
    const keys = { consumerKey: 'ck', consumerSecret: 'cs', accessToken: 'at', accessTokenSecret: 'ats' }
    const url = 'http://127.0.0.1:1234/2/users/by?usernames=jack&user.fields=public_metrics'
    const sign = (secret: string, now = Date.now()): string => {
      class At extends OAuth1Helper {
        protected override getTimestamp(): number {
          return Math.floor(now / 1000)
        }
      }
      const helper = new At({ consumerKeys: { key: 'ck', secret: 'cs' } })
      return helper.toHeader(helper.authorize({ url, method: 'GET' }, { key: 'at', secret })).Authorization
    }
    const verify = createOAuth1Verifier(keys)
    const header = sign('ats')
    expect(verify('GET', url, header)).toBeUndefined()
    expect(verify('GET', url, header)).toBe('nonce already used')
    expect(verify('GET', url, sign('wrong'))).toBe('signature does not match')
    expect(verify('GET', `${url}x`, sign('ats'))).toBe('signature does not match')
    expect(verify('GET', url, sign('ats', Date.now() - 600_000))).toBe('stale timestamp')
  })
})

describe('each attempt is signed anew', () => {
  let x: XStandIn | undefined
  afterEach(async () => x?.close())

  const auth = { kind: 'oauth1' as const, ...X_OAUTH }
  const jack: Account = { network: 'x', handle: 'jack', key: 'jack' }
  const noWaits: HttpDeps = { ...realHttpDeps, sleep: async () => undefined }

  test('X answers 503 once, then checks the signature: the retry succeeds with a different nonce', async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    x.override = (_request, index) => (index === 0 ? { status: 503, body: '{"title":"Service Unavailable"}' } : undefined)
    const source = createXSource({ auth, apiUrl: x.url, policy: DEFAULT_POLICY, concurrency: 1, deps: noWaits })
    const collection = await source.collect([jack])
    expect(collection.failures).toEqual([])
    expect(collection.samples.map((s) => s.metrics.followers_count)).toEqual([1001])
    const nonces = x.requests.map((r) => parseAuthorization(r.headers.authorization ?? '')?.oauth_nonce)
    expect(nonces).toHaveLength(2)
    expect(nonces[0]).toBeTruthy()
    expect(nonces[1]).not.toBe(nonces[0])
    expect(x.oauthRefusals).toEqual([])
  })

  test('after a rate-limit wait the request is signed again too', async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    x.override = (_request, index) => (index === 0 ? { status: 429, headers: { 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 5) } } : undefined)
    const source = createXSource({ auth, apiUrl: x.url, policy: DEFAULT_POLICY, concurrency: 1, deps: noWaits })
    expect((await source.collect([jack])).samples).toHaveLength(1)
    expect(new Set(x.requests.map((r) => r.headers.authorization)).size).toBe(2)
    expect(x.oauthRefusals).toEqual([])
  })

  test('a request signed once and sent again is refused by the stand-in, as X may', async () => {
    x = await startXStandIn({ jack: metricsFor(1) })
    const helper = new OAuth1Helper({ consumerKeys: { key: X_OAUTH.consumerKey, secret: X_OAUTH.consumerSecret } })
    const url = `${x.url}/2/users/by?usernames=jack&user.fields=public_metrics`
    const authorization = helper.toHeader(
      helper.authorize({ url, method: 'GET' }, { key: X_OAUTH.accessToken, secret: X_OAUTH.accessTokenSecret })
    ).Authorization
    const options = { policy: DEFAULT_POLICY, deps: noWaits, service: 'X', rateLimitResetAt: () => undefined }
    expect((await send({ method: 'GET', url, headers: { authorization } }, options)).status).toBe(200)
    expect((await send({ method: 'GET', url, headers: { authorization } }, options)).status).toBe(401)
    expect(x.oauthRefusals).toEqual(['nonce already used'])
  })
})
