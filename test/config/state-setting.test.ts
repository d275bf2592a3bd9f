/** The `state` setting: none, cache, s3://bucket/key or a path, checked before any request. */
import { describe, expect, test } from '@jest/globals'
import { parseConfig, parseStateLocation } from '../../src/config/parse.js'
import { ConfigError } from '../../src/text/errors.js'

const problemOf = (value: string): string => {
  try {
    parseStateLocation(value)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join(' ')
  }
  throw new Error(`${value} was accepted`)
}

describe('the state setting', () => {
  test('each form gives its location; not given is undefined, so each adapter picks its default', () => {
    expect(parseStateLocation(undefined)).toBeUndefined()
    expect(parseStateLocation('none')).toEqual({ kind: 'none' })
    expect(parseStateLocation('NONE')).toEqual({ kind: 'none' })
    expect(parseStateLocation('cache')).toEqual({ kind: 'cache' })
    expect(parseStateLocation('s3://my-bucket/twitter-stats/state.json')).toEqual({ kind: 's3', uri: 's3://my-bucket/twitter-stats/state.json' })
    expect(parseStateLocation('.twitter-stats/state.json.gz')).toEqual({ kind: 'file', path: '.twitter-stats/state.json.gz' })
    expect(parseStateLocation('/var/lib/twitter-stats/state')).toEqual({ kind: 'file', path: '/var/lib/twitter-stats/state' })
  })

  test('a malformed S3 URI, another URL, a folder or a control character is refused with what to give instead', () => {
    expect(problemOf('s3://My_Bucket/state.json')).toContain('which is not an S3 bucket name')
    expect(problemOf('s3://bucket/')).toContain('names no object')
    expect(problemOf('https://example.com/state.json')).toBe(
      '`state` "https://example.com/state.json" is a URL the state cannot be kept at: use none, cache, s3://bucket/key or a file path.'
    )
    expect(problemOf('states/')).toContain('names a folder')
    expect(problemOf('state\u0007.json')).toContain('has a control character')
  })

  test('the parser reports a bad state with the other problems, before any request', () => {
    expect(() => parseConfig({ accounts: 'jack', dryRun: 'true', xBearerToken: 't', state: 's3://x/' })).toThrow(ConfigError)
    expect(parseConfig({ accounts: 'jack', dryRun: 'true', xBearerToken: 't' }).state).toBeUndefined()
    expect(parseConfig({ accounts: 'jack', dryRun: 'true', xBearerToken: 't', state: 'state.json' }).state).toEqual({ kind: 'file', path: 'state.json' })
  })
})
