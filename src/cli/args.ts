/**
 * The command line's arguments: one flag per non-secret setting, derived from the SETTINGS table,
 * falling back to the same environment variables. Pure, so every rule is unit-tested.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { SETTINGS, readSettingsFromEnv, type RawSettings, type SettingSpec } from '../config/settings.js'
import { messageOf } from '../text/errors.js'

/** A mistake in the command line itself (unknown flag, secret as a flag): exit code 2, nothing requested. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; raw: RawSettings; json: boolean; quiet: boolean }

/** Settings whose default is true/false are switches: `--dry-run`, and `--no-dry-run` to override the variable. */
export function isSwitch(spec: SettingSpec): boolean {
  return spec.default === 'true' || spec.default === 'false'
}

/** The flag of a setting is its action input name: `--metric-prefix` for input `metric-prefix`. */
export function flagOf(spec: SettingSpec): string {
  return `--${spec.input}`
}

const CLI_FLAGS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' }
} as const satisfies ParseArgsConfig['options']

function settingOptions(): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const spec of SETTINGS) {
    if (spec.secret) continue
    if (isSwitch(spec)) {
      options[spec.input] = { type: 'boolean' }
      options[`no-${spec.input}`] = { type: 'boolean' }
    } else {
      options[spec.input] = { type: 'string' }
    }
  }
  return options
}

/**
 * Secrets never come from flags: flags land in shell history and in every process listing.
 * Checked on the raw words before parsing, so the message never depends on (or shows) the value.
 */
function refuseSecretFlags(argv: string[]): void {
  for (const word of argv) {
    if (word === '--') return
    const [name = word] = word.split('=', 1) // split returns at least one part: the default is never used
    const spec = SETTINGS.find((s) => s.secret && (name === flagOf(s) || name === `--${s.env}` || name === `--${s.env.toLowerCase()}`))
    if (spec) {
      throw new UsageError(
        `${name} is not accepted on the command line: flags are kept in shell history and visible to other users in the process list. Set the environment variable ${spec.env} instead, for example: read -rs ${spec.env} && export ${spec.env}`
      )
    }
  }
}

/** A parseArgs error in our words: which flag, and where the list of flags is. */
function usageMessage(error: unknown): string {
  const message = messageOf(error)
  const code = (error as { code?: unknown }).code
  const flag = /'(-[^' ]*)/.exec(message)?.[1]
  const [firstSentence = message] = message.split(/\.\s|\n/) // split returns at least one part: the default is never used
  const what = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag ? `unknown flag ${flag}.` : `${firstSentence.replace(/\.$/, '')}.`
  return `${what} Run twitter-stats --help for the list of flags.`
}

/**
 * Parses argv (without `node` and the script). Flags win over environment variables; positional
 * words are accounts, as a shorter way to write --accounts.
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  refuseSecretFlags(argv)
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }
  try {
    parsed = parseArgs({ args: argv, options: { ...settingOptions(), ...CLI_FLAGS }, strict: true, allowPositionals: true })
  } catch (error) {
    throw new UsageError(usageMessage(error))
  }
  const { values, positionals } = parsed
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }

  const raw: RawSettings = readSettingsFromEnv(env)
  for (const spec of SETTINGS) {
    if (spec.secret) continue
    if (isSwitch(spec)) {
      if (values[spec.input] && values[`no-${spec.input}`])
        throw new UsageError(`${flagOf(spec)} and --no-${spec.input} contradict each other; give one of them.`)
      if (values[spec.input]) raw[spec.key] = 'true'
      if (values[`no-${spec.input}`]) raw[spec.key] = 'false'
      continue
    }
    const value = values[spec.input]
    if (typeof value === 'string') {
      // An empty flag clears the variable, so the default applies (like an empty action input).
      if (value.trim()) raw[spec.key] = value.trim()
      else delete raw[spec.key]
    }
  }
  if (positionals.length > 0) {
    if (typeof values.accounts === 'string') throw new UsageError('accounts are given both with --accounts and as arguments; use one of the two.')
    raw.accounts = positionals.join(',')
  }
  return { kind: 'run', raw, json: values.json === true, quiet: values.quiet === true }
}

/** `--help`: every setting with its flag, variable and default, generated from the SETTINGS table. */
export function helpText(): string {
  const lines = [
    'Usage: twitter-stats [flags] [account ...]',
    '',
    'Collects the public metrics of the accounts and sends them to Datadog; prints a table of the',
    'accounts on stdout (or a JSON report with --json) and progress on stderr.',
    'Every setting can be given as a flag or as its environment variable; a flag wins.',
    'Secrets are read from environment variables only, never from flags.',
    '',
    'Settings:'
  ]
  for (const spec of SETTINGS) {
    const flag = spec.secret ? `${spec.env} (environment only)` : isSwitch(spec) ? `${flagOf(spec)} / --no-${spec.input}` : `${flagOf(spec)} <value>`
    const fallback = spec.default ? `default: ${spec.default}` : 'no default'
    lines.push(`  ${flag}`, `      variable ${spec.env}; ${fallback}${spec.secret ? '; secret' : ''}`, `      ${spec.description.replace(/`/g, '')}`)
  }
  lines.push(
    '',
    'Output:',
    '  --json          print a JSON report (records, failures, counts, problems) on stdout instead of the table',
    '  -q, --quiet     no progress on stderr; warnings and errors are still shown',
    '  -h, --help      show this help',
    '  -v, --version   show the version',
    '',
    'Exit codes:',
    '  0  the run succeeded (accounts that are suspended or not found are reported, not fatal)',
    '  1  the run failed: credentials refused, a rate limit outlasted the wait, accounts failed with errors, or Datadog did not accept the series',
    '  2  usage error: an unknown flag, a secret given as a flag, or an invalid or missing setting; nothing was requested',
    '',
    'Example:',
    '  export X_BEARER_TOKEN=... DATADOG_API_KEY=...',
    '  twitter-stats --tags env:prod jack nasa',
    '  X_BEARER_TOKEN=... twitter-stats --dry-run jack'
  )
  return `${lines.join('\n')}\n`
}
