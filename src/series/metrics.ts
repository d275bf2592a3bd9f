import { createHash } from 'node:crypto'
import { METRIC_NAMES, type Account, type MetricName, type Network, type Sample, type Series } from '../model.js'
import { nearest } from '../text/nearest.js'
import { ConfigError, quote } from '../text/errors.js'

/**
 * The `metrics` setting: names from METRIC_NAMES (comma or whitespace separated), or `all`. An unknown name is
 * refused with the nearest known one, so a typo never silently sends nothing.
 */
export function parseMetricNames(text: string): MetricName[] {
  const words = text.split(/[\s,;]+/).filter((word) => word.length > 0)
  if (words.length === 0 || words.some((word) => word.toLowerCase() === 'all')) {
    if (words.length > 1) throw new ConfigError([`\`metrics\` lists "all" with other names; give "all" alone, or only the names to send.`])
    if (words.length === 0) throw new ConfigError([`\`metrics\` is empty; give "all", or the names to send, for example "followers_count".`])
    return [...METRIC_NAMES]
  }
  const known = new Set<string>(METRIC_NAMES)
  const unknown = words.filter((word) => !known.has(word.toLowerCase()))
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map(
        (word) =>
          `\`metrics\` ${quote(word)} is not a metric. Did you mean "${nearest(word.toLowerCase().replace(/^.*\./, ''), METRIC_NAMES)}"? Known metrics: ${METRIC_NAMES.join(', ')} (without the prefix), or all.`
      )
    )
  }
  const chosen = new Set(words.map((word) => word.toLowerCase()))
  return METRIC_NAMES.filter((name) => chosen.has(name))
}

/** One row of the `metrics` output. */
export interface MetricRecord {
  account: string
  network: Network
  metric: string
  value: number
  timestamp: number
}

/** Longest suffix appended to the prefix (self-monitoring included), so the full name stays within 200. */
const LONGEST_SUFFIX = '.collector.rate_limit_remaining'
const MAX_NAME = 200
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/
const TAG = /^[A-Za-z][A-Za-z0-9_\-:./]*$/
/** Extra tags a user may add: every one goes on every series, so a long list multiplies the payload. */
export const MAX_TAGS = 50
/** Tag keys twitter-stats sets itself; a user tag with the same key would make series ambiguous. */
export const RESERVED_TAG_KEYS = ['account', 'network', 'instance', 'reason']

export function validateMetricPrefix(prefix: string): string {
  const limit = MAX_NAME - LONGEST_SUFFIX.length
  if (!METRIC_NAME.test(prefix) || prefix.endsWith('.') || prefix.includes('..')) {
    throw new ConfigError([
      `\`metric-prefix\` ${quote(prefix)} is not a valid Datadog metric name: use ASCII letters, digits, "_" and ".", starting with a letter, for example "twitter" or "social.stats".`
    ])
  }
  if (prefix.length > limit) {
    throw new ConfigError([`\`metric-prefix\` is ${prefix.length} characters; at most ${limit} keep every metric name within Datadog's ${MAX_NAME}.`])
  }
  return prefix
}

/** Parses extra tags (comma or newline separated) and checks each against Datadog's tag rules. */
export function parseTags(text: string): string[] {
  const tags = [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((tag) => tag.trim())
        .filter((tag) => tag.length > 0)
    )
  ]
  const problems: string[] = []
  if (tags.length > MAX_TAGS) {
    throw new ConfigError([`\`tags\` lists ${tags.length} tags; at most ${MAX_TAGS} go on every series. Keep the few you filter or group by.`])
  }
  for (const tag of tags) {
    const [key = tag] = tag.split(':', 1) // split returns at least one part: the default is never used
    if (tag.length > MAX_NAME) {
      problems.push(`tag ${quote(tag)} is longer than ${MAX_NAME} characters.`)
    } else if (!TAG.test(tag) || tag.endsWith(':')) {
      problems.push(
        `tag ${quote(tag)} is not a valid Datadog tag: start with a letter, use letters, digits, "_", "-", ":", "." and "/", and do not end with ":" (for example "team:social").`
      )
    } else if (RESERVED_TAG_KEYS.includes(key.toLowerCase())) {
      problems.push(`tag ${quote(tag)} uses the key "${key}", which twitter-stats sets itself; pick another key.`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return tags
}

/** Datadog's longest tag. */
const MAX_TAG = 200

/**
 * A tag as Datadog stores it (docs.datadoghq.com/getting_started/tagging, "Define tags"): lower case; characters
 * other than letters, digits, "_", "-", ":", "." and "/" become "_"; at most 200 characters. A longer one keeps
 * its start and ends in a hash of the whole, so two long values never merge into one series.
 */
export function datadogTag(key: string, value: string): string {
  const tag = `${key}:${value}`.toLowerCase().replace(/[^\p{L}\p{N}_\-:./]/gu, '_')
  if (tag.length <= MAX_TAG) return tag
  const hash = createHash('sha256').update(tag).digest('hex').slice(0, 12)
  return `${tag.slice(0, MAX_TAG - hash.length - 1)}-${hash}`
}

/**
 * The tags that identify one account's series. A Mastodon account's `account` names user and instance
 * (`alice@a.social` is `account:alice_a.social`, Datadog turning "@" into "_"), so `alice@a.social` and
 * `alice@b.social` never share a series; an instance name has no "_", so the last "_" still separates the two.
 */
export function accountTags(account: Account): string[] {
  if (account.network === 'mastodon') {
    return [datadogTag('account', account.key), 'network:mastodon', datadogTag('instance', account.instance ?? '')]
  }
  return [datadogTag('account', account.key), `network:${account.network}`]
}

/** Each metric's full name, made once per run rather than once per account (60,000 strings for 10,000 accounts). */
function fullNames(prefix: string, names: readonly MetricName[]): [MetricName, string][] {
  return names.map((name) => [name, `${prefix}.${name}`])
}

/** Pure: samples in, Datadog series out, one gauge per account per metric. */
export function toSeries(samples: Sample[], prefix: string, extraTags: string[], names: readonly MetricName[] = METRIC_NAMES): Series[] {
  return SampleSeries.of(samples, prefix, extraTags, names).slice()
}

/** Series read in order, as often as needed: an array, or a run's SampleSeries. */
export interface SeriesList extends Iterable<Series> {
  readonly length: number
  /** The series from `start` to `end` (exclusive; both from 0, at most `length`), as objects of their own. */
  slice(start?: number, end?: number): Series[]
}

/** Each series' name and tags, in order; a run's SampleSeries gives them without making the series. */
export function forEachName(series: SeriesList, visit: (metric: string, tags: readonly string[]) => void): void {
  if (series instanceof SampleSeries) return series.forEachName(visit)
  for (const { metric, tags } of series) visit(metric, tags)
}

/**
 * A run's series, made from its samples each time they are read, one gauge per account per metric (then any
 * `more`, the collector's own). Held as objects, 10,000 accounts' 60,000 series took 9 MB through the whole run,
 * and outlived it as garbage into the Lambda's next warm invocation; read one at a time (delivery serialises each
 * and drops it) they cost only their samples and each account's tags, made once and shared by its series.
 */
export class SampleSeries implements SeriesList {
  readonly length: number

  private constructor(
    private readonly samples: readonly Sample[],
    private readonly metrics: readonly [MetricName, string][],
    private readonly tagsOf: readonly string[][],
    private readonly more: readonly Series[]
  ) {
    let count = more.length
    for (const sample of samples) for (const [name] of metrics) if (sample.metrics[name] !== undefined) count++
    this.length = count
  }

  static of(samples: readonly Sample[], prefix: string, extraTags: string[], names: readonly MetricName[] = METRIC_NAMES): SampleSeries {
    const tags = samples.map((sample) => [...accountTags(sample.account), ...extraTags])
    return new SampleSeries(samples, fullNames(prefix, names), tags, [])
  }

  /** The same series followed by `more`. */
  concat(more: readonly Series[]): SampleSeries {
    return new SampleSeries(this.samples, this.metrics, this.tagsOf, [...this.more, ...more])
  }

  *[Symbol.iterator](): Iterator<Series> {
    for (const [index, sample] of this.samples.entries()) {
      const tags = this.tagsOf[index] ?? []
      for (const [name, metric] of this.metrics) {
        const value = sample.metrics[name]
        if (value !== undefined) yield { metric, type: 3, points: [{ timestamp: sample.timestamp, value }], tags }
      }
    }
    yield* this.more
  }

  /** Each series' name and tags, in order, without making the series. */
  forEachName(visit: (metric: string, tags: readonly string[]) => void): void {
    for (const [index, sample] of this.samples.entries()) {
      const tags = this.tagsOf[index] ?? []
      for (const [name, metric] of this.metrics) if (sample.metrics[name] !== undefined) visit(metric, tags)
    }
    for (const { metric, tags } of this.more) visit(metric, tags)
  }

  slice(start = 0, end = this.length): Series[] {
    const series: Series[] = []
    let index = 0
    for (const item of this) {
      if (index >= end) break
      if (index++ >= start) series.push(item)
    }
    return series
  }
}

/** Pure: the rows of the `metrics` output. */
export function toRecords(samples: Sample[], prefix: string, names: readonly MetricName[] = METRIC_NAMES): MetricRecord[] {
  const metrics = fullNames(prefix, names)
  const records: MetricRecord[] = []
  for (const sample of samples) {
    for (const [name, metric] of metrics) {
      const value = sample.metrics[name]
      if (value !== undefined) records.push({ account: sample.account.key, network: sample.account.network, metric, value, timestamp: sample.timestamp })
    }
  }
  return records
}
