/** The command line's argument rules, on plain data. */
import { describe, expect, test } from '@jest/globals'
import { UsageError, flagOf, helpText, isSwitch, parseCliArgs } from '../../src/cli/args.js'
import { formatTable } from '../../src/cli/main.js'
import { SETTINGS } from '../../src/config/settings.js'

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = parseCliArgs(argv, env)
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`)
  return command
}

describe('parseCliArgs', () => {
  test('every non-secret setting of the table has a flag that sets it', () => {
    for (const spec of SETTINGS.filter((s) => !s.secret)) {
      const argv = isSwitch(spec) ? [flagOf(spec)] : [flagOf(spec), 'value-1']
      expect([spec.key, run(argv).raw[spec.key]]).toEqual([spec.key, isSwitch(spec) ? 'true' : 'value-1'])
    }
  })

  test('settings fall back to their environment variables, and a flag wins', () => {
    const command = run(['--metric-prefix', 'flag'], { ACCOUNTS: 'jack', METRIC_PREFIX: 'env', TAGS: 'team:a', X_BEARER_TOKEN: 't' })
    expect(command.raw).toEqual({ accounts: 'jack', metricPrefix: 'flag', tags: 'team:a', xBearerToken: 't' })
  })

  test('an empty flag clears the variable so the default applies', () => {
    expect(run(['--tags='], { TAGS: 'team:a' }).raw.tags).toBeUndefined()
  })

  test('--no-dry-run overrides DRY_RUN=true; both switches at once are refused', () => {
    expect(run(['--no-dry-run'], { DRY_RUN: 'true' }).raw.dryRun).toBe('false')
    expect(() => parseCliArgs(['--dry-run', '--no-dry-run'], {})).toThrow('contradict')
  })

  test('words after the flags are accounts; giving --accounts as well is refused', () => {
    expect(run(['--json', 'jack', '@nasa']).raw.accounts).toBe('jack,@nasa')
    expect(run(['--json', 'jack']).json).toBe(true)
    expect(() => parseCliArgs(['--accounts', 'jack', 'nasa'], {})).toThrow(UsageError)
  })

  test.each(SETTINGS.filter((s) => s.secret).map((s) => [s.input, s.env]))('--%s is refused and points to %s, without showing the value', (input, envName) => {
    for (const argv of [[`--${input}=s3cr3t-value`], [`--${input}`, 's3cr3t-value'], [`--${envName}=s3cr3t-value`]]) {
      let error: unknown
      try {
        parseCliArgs(argv, {})
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(UsageError)
      expect((error as Error).message).toContain(`Set the environment variable ${envName} instead`)
      expect((error as Error).message).not.toContain('s3cr3t-value')
    }
  })

  test('an unknown flag is a usage error that points to --help', () => {
    expect(() => parseCliArgs(['--acounts', 'jack'], {})).toThrow('unknown flag --acounts. Run twitter-stats --help for the list of flags.')
    expect(() => parseCliArgs(['--concurrency'], {})).toThrow("Option '--concurrency <value>' argument missing. Run twitter-stats --help")
  })

  test('--help and --version win over everything else', () => {
    expect(parseCliArgs(['jack', '--help'], {})).toEqual({ kind: 'help' })
    expect(parseCliArgs(['-v'], {})).toEqual({ kind: 'version' })
  })
})

describe('helpText', () => {
  test('documents every setting with its variable and default, from the table', () => {
    const help = helpText()
    for (const spec of SETTINGS) {
      expect(help).toContain(`variable ${spec.env}; ${spec.default ? `default: ${spec.default}` : 'no default'}`)
    }
    expect(help).toContain('--rate-limit-max-wait <value>')
    expect(help).toContain('--dry-run / --no-dry-run')
    expect(help).not.toContain('--datadog-api-key')
    expect(help).toContain('DATADOG_API_KEY (environment only)')
  })
})

describe('formatTable', () => {
  test('aligns columns, numbers to the right', () => {
    const table = formatTable([
      ['jack', 'x', '1001', '101', '5001', '11', 'ok'],
      ['a_long_name', 'x', '7', '', '', '', 'not found']
    ])
    expect(table.split('\n')).toEqual([
      'account      network  followers  following  posts  listed  status',
      'jack         x             1001        101   5001      11  ok',
      'a_long_name  x                7                            not found',
      ''
    ])
  })
})
