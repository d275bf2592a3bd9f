/** Each fact the documentation states once has one source, and every page that repeats it agrees with it. */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DATADOG_SITES, knownSite } from '../../src/datadog/site.js'
import { stateJson } from '../../src/state/format.js'
import { decodeState } from '../../src/state/validate.js'
import { PAGES, readPage, section } from '../support/docs.js'
import { ROOT } from '../support/root.mjs'
import { loadTemplate } from '../support/template.js'
import { parse } from 'yaml'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

describe("the README's workflow", () => {
  test('is docs/example-workflow.yml, byte for byte', () => {
    const quickStart = section('README.md', 'Quick start')
    const block = /\n( *)```yaml\n([\s\S]*?)\n\1```\n/.exec(quickStart)
    expect(block).not.toBeNull()
    const indent = block![1]!
    const lines = block![2]!.split('\n')
    expect(lines.filter((line) => line !== '' && !line.startsWith(indent))).toEqual([])
    const unindented = `${lines.map((line) => line.slice(indent.length)).join('\n')}\n`
    expect(unindented).toBe(readFileSync(join(ROOT, 'docs', 'example-workflow.yml'), 'utf8'))
  })
})

describe('the version', () => {
  test("package.json's version is the newest entry of CHANGELOG.md", () => {
    const entries = [...readPage('CHANGELOG.md').matchAll(/^## (\d+\.\d+\.\d+)\b/gm)].map((match) => match[1])
    expect(entries.length).toBeGreaterThan(0)
    expect(entries[0]).toBe(pkg.version)
  })

  test('every release the documentation and the example workflows name is that version', () => {
    const texts = [
      ...PAGES.filter((page) => page !== 'CHANGELOG.md' && page !== 'docs/benchmarks.md'),
      'docs/example-workflow.yml',
      'docs/deploy-lambda.yml'
    ].map((page) => [page, readPage(page)] as const)
    // a release is vX.Y.Z, or the image tag twitter-stats:X.Y.Z; a pinned action's own version (uses: …@sha # vX.Y.Z) is not ours
    const ours = (text: string): string => text.replace(/^.*\buses:(?!\s*(OWNER|acme)\/twitter-stats).*$/gm, '')
    const named = texts.flatMap(([page, text]) => [...ours(text).matchAll(/(?:\bv|twitter-stats:)(\d+\.\d+\.\d+)\b/g)].map((match) => `${page}: ${match[1]}`))
    expect(named.length).toBeGreaterThan(3)
    expect(named.filter((entry) => !entry.endsWith(`: ${pkg.version}`))).toEqual([])
  })
})

describe('the maps of the code', () => {
  const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `src/${entry.name}/`)

  test("docs/development.md's map names every folder of src/", () => {
    const map = section('docs/development.md', 'Where things are')
    expect(folders.length).toBeGreaterThan(5)
    expect(folders.filter((folder) => !map.includes(folder))).toEqual([])
  })

  test("every file the README's map names is in the folder it names", () => {
    const map = section('README.md', 'Where things are')
    const named = [...map.matchAll(/^(src\/[a-z]+\/)\s+(.*)$/gm)].flatMap(([, folder = '', text = '']) =>
      [...text.matchAll(/\b([a-z-]+\.ts)\b/g)].map((match) => `${folder}${match[1]}`)
    )
    expect(named).toEqual(expect.arrayContaining(['src/sources/x.ts', 'src/http/retry.ts', 'src/action/summary.ts']))
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([])
  })
})

describe('the Datadog sites', () => {
  const list = DATADOG_SITES.join(', ')

  test("the CLI's error lists the sites the config accepts", () => {
    expect(() => knownSite('datadoghq.cmo')).toThrow(`Known sites: ${list};`)
  })

  test("the template's description of DatadogSite lists them, and no other", () => {
    expect(loadTemplate().Parameters.DatadogSite!.Description).toBe(`Your Datadog site, one of ${list}.`)
  })

  test('docs/actions.md (datadog-site) and docs/lambda.md (DatadogSite) list them, and no other', () => {
    const quoted = DATADOG_SITES.map((site) => `\`${site}\``).join(', ')
    expect(section('docs/actions.md', 'Inputs')).toContain(`| \`datadog-site\` | \`DATADOG_SITE\` | \`datadoghq.com\` | Your Datadog site, one of ${quoted} (`)
    expect(section('docs/lambda.md', 'Parameters')).toContain(`| \`DatadogSite\` | \`datadoghq.com\` | Your Datadog site, one of ${quoted}. |`)
  })
})

describe("the template's CodeKey", () => {
  test('defaults to the key docs/lambda.md uploads this release to', () => {
    const key = `twitter-stats/v${pkg.version}.zip`
    expect(loadTemplate().Parameters.CodeKey!.Default).toBe(key)
    const lambda = readPage('docs/lambda.md')
    // from the console, and with the aws CLI (VERSION=v…, then s3://$BUCKET/twitter-stats/$VERSION.zip)
    expect(section('docs/lambda.md', 'Deploy from the console')).toContain(`\`${key}\``)
    const cli = section('docs/lambda.md', 'Deploy with the `aws` CLI')
    expect(cli).toMatch(new RegExp(`^VERSION=v${pkg.version.replace(/\./g, '\\.')}\\s`, 'm'))
    expect(cli).toContain('aws s3 cp twitter-stats-lambda.zip "s3://$BUCKET/twitter-stats/$VERSION.zip"')
    expect(cli).toContain('ParameterKey=CodeKey,ParameterValue="twitter-stats/$VERSION.zip"')
    expect(lambda).toContain(`| \`CodeBucket\`, \`CodeKey\` | —, \`${key}\` |`)
  })
})

describe('docs/actions.md and action.yml', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
  /** The names in the first cell of each row of the section's table. */
  const named = (heading: string): string[] =>
    section('docs/actions.md', heading)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([a-z0-9-]+)`/g)].map((match) => match[1] ?? ''))

  test('the Inputs table has a row for every input, and none for an input action.yml lacks', () => {
    expect(named('Inputs').sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test('the Outputs table has a row for every output, and none for an output action.yml lacks', () => {
    expect(named('Outputs').sort()).toEqual(Object.keys(action.outputs).sort())
  })
})

describe("the Lambda's memory", () => {
  /** Peak RSS MB by X accounts, from the table of the section docs/benchmarks.md keeps for npm run bench:lambda. */
  function measured(): Map<number, number> {
    const rows = section('docs/benchmarks.md', "The Lambda's memory")
      .split('\n')
      .map((line) => /^\|\s*([\d,]+)\s*\|.*\|\s*(\d+)\s*\|$/.exec(line.trim()))
      .filter((match) => match !== null)
    return new Map(rows.map((match) => [Number(match[1]!.replace(/,/g, '')), Number(match[2])]))
  }

  /** The "N MB for A" figures a text quotes, as [accounts, MB]; "X accounts" after the first figure is allowed. */
  function quoted(text: string): [number, number][] {
    return [...text.matchAll(/(\d+) MB for ([\d,]+)/g)].map((match) => [Number(match[2]!.replace(/,/g, '')), Number(match[1])])
  }

  const memorySize = loadTemplate().Parameters.MemorySize!

  test("the template's MemorySize description quotes the peaks docs/benchmarks.md records, 10,000 accounts among them", () => {
    const table = measured()
    expect(table.get(10_000)).toBeGreaterThan(0)
    const figures = quoted(memorySize.Description ?? '')
    expect(figures.map(([accounts]) => accounts)).toContain(10_000)
    expect(figures).toEqual(figures.map(([accounts]) => [accounts, table.get(accounts)]))
  })

  test("docs/lambda.md's MemorySize row quotes the same peaks, and the default holds the largest", () => {
    const row = readPage('docs/lambda.md')
      .split('\n')
      .find((line) => line.startsWith('| `MemorySize` |'))
    expect(row).toBeDefined()
    expect(quoted(row!)).toEqual(quoted(memorySize.Description ?? ''))
    expect(Math.max(...measured().values())).toBeLessThan(Number(memorySize.Default))
  })
})

describe("docs/state.md's example of the format", () => {
  test('is a state twitter-stats reads, and writes back as the same JSON', () => {
    const holds = section('docs/state.md', 'What it holds: the format, version 1')
    const block = /```json\n([\s\S]*?)\n```/.exec(holds)
    expect(block).not.toBeNull()
    const json = block![1]!
    const writtenAt = (JSON.parse(json) as { writtenAt: number }).writtenAt
    const decoded = decodeState(Buffer.from(json), 'twitter', writtenAt, 'docs/state.md')
    if (decoded.kind !== 'ok') throw new Error(decoded.problem)
    expect(decoded.state.accounts.size).toBe(1)
    expect(stateJson(decoded.state)).toBe(JSON.stringify(JSON.parse(json)))
  })
})
