import { describe, expect, test } from '@jest/globals'
import { parseAccounts } from '../../src/config/accounts.js'
import type { Sample, Series } from '../../src/model.js'
import { SampleSeries, forEachName, parseTags, toRecords, toSeries, validateMetricPrefix, type SeriesList } from '../../src/series/metrics.js'

const [jack, nasa] = parseAccounts('Jack nasa')
const samples: Sample[] = [
  { account: jack!, timestamp: 1700000000, metrics: { followers_count: 10, friends_count: 2, status_count: 30, listed_count: 1 } },
  { account: nasa!, timestamp: 1700000000, metrics: { followers_count: 99, favourites_count: 5, media_count: 7 } }
]

describe('toSeries', () => {
  test('one gauge per account per metric, named with the prefix, tagged account, network and extra tags', () => {
    const series = toSeries(samples, 'twitter', ['team:social'])
    expect(series).toHaveLength(7)
    expect(series[0]).toEqual({
      metric: 'twitter.followers_count',
      type: 3,
      points: [{ timestamp: 1700000000, value: 10 }],
      tags: ['account:jack', 'network:x', 'team:social']
    })
    expect(series.map((s) => s.metric)).toContain('twitter.media_count')
    expect(series.filter((s) => s.tags.includes('account:nasa')).map((s) => s.metric)).toEqual([
      'twitter.followers_count',
      'twitter.favourites_count',
      'twitter.media_count'
    ])
  })

  test("a run's series, made from its samples each time they are read, are the same series every time, in order", () => {
    const collector: Series = { metric: 'twitter.collector.accounts_collected', type: 3, points: [{ timestamp: 1700000000, value: 2 }], tags: ['network:x'] }
    const list = SampleSeries.of(samples, 'twitter', ['team:social']).concat([collector])
    const expected = [...toSeries(samples, 'twitter', ['team:social']), collector]
    expect(list).toHaveLength(8)
    expect([...list]).toEqual(expected)
    expect([...list]).toEqual(expected)
    expect(list.slice()).toEqual(expected)
    expect(list.slice(2, 5)).toEqual(expected.slice(2, 5))
    expect(list.slice(6)).toEqual(expected.slice(6))
    expect(list.slice(8)).toEqual([])
    const names = (of: SeriesList): [string, readonly string[]][] => {
      const seen: [string, readonly string[]][] = []
      forEachName(of, (metric, tags) => seen.push([metric, tags]))
      return seen
    }
    expect(names(list)).toEqual(expected.map((s) => [s.metric, s.tags]))
    expect(names(expected)).toEqual(names(list))
    // One account's series share its tags, as the footprint's count of distinct tag sets expects.
    const [first, second] = list
    expect(first!.tags).toBe(second!.tags)
  })

  test('the metrics output rows carry account, network, metric, value and timestamp', () => {
    expect(toRecords(samples, 'p')[0]).toEqual({ account: 'jack', network: 'x', metric: 'p.followers_count', value: 10, timestamp: 1700000000 })
  })
})

describe('metric prefix and tags follow Datadog naming rules', () => {
  test.each(['twitter', 'social.stats', 'a_b.c9'])('prefix %s is accepted', (prefix) => expect(validateMetricPrefix(prefix)).toBe(prefix))
  test.each(['', '9x', 'a-b', 'a..b', 'a.', 'é', 'a b'])('prefix %j is refused', (prefix) =>
    expect(() => validateMetricPrefix(prefix)).toThrow(/metric-prefix/)
  )
  test('a prefix that would push names past 200 characters is refused', () => expect(() => validateMetricPrefix('a'.repeat(190))).toThrow(/at most/))

  test('tags split on commas and newlines, trimmed, de-duplicated', () => {
    expect(parseTags(' team:a ,env:prod\n\nteam:a, region:eu-west-1 ')).toEqual(['team:a', 'env:prod', 'region:eu-west-1'])
  })
  test.each(['1abc', 'bad:', 'has space', 'a=b', 'x'.repeat(201), 'account:me', 'network:x'])('tag %j is refused with a message', (tag) => {
    expect(() => parseTags(tag)).toThrow(/tag/)
  })
})
