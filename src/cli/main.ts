/** The command-line adapter: flags and environment in, a table or a JSON report out, an exit code. Nothing else. */
import { UsageError, helpText, parseCliArgs } from './args.js'
import { runCollection, type RunReport } from '../run/pipeline.js'
import { readAccountsFile } from '../config/accounts-file.js'
import { parseConfig } from '../config/parse.js'
import { readSettingsFromEnv, secretValues } from '../config/settings.js'
import { ConfigError } from '../text/errors.js'
import { forTerminal, jsonForTerminal } from '../text/foreign-text.js'
import { realHttpDeps, type HttpDeps } from '../http/send.js'
import { createMasker, maskDeep } from '../text/masker.js'
import type { Logger } from '../log.js'
import { tmpdir } from 'node:os'
import { deliveryPhrase, rowsWithChange } from '../run/account-rows.js'
import { saveUndelivered, undeliveredMessage, unsavedMessage } from '../run/undelivered.js'
import { payloadOf } from '../datadog/series.js'
import { verdict } from '../run/verdict.js'
import { resolve } from 'node:path'
import type { Config } from '../config/parse.js'
import { createFileStore } from '../state/file-store.js'
import type { StateStore } from '../state/store.js'

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

export interface CliIO {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  http?: HttpDeps
  /** Standard input, read when --accounts-file is "-". */
  stdin?: AsyncIterable<string | Buffer>
  /** Where a relative --accounts-file starts; the process's current directory by default. */
  cwd?: string
  /** The package version, read by the launcher from package.json next to dist/. */
  version?: string
}

/** Lists longer than this get progress lines on stderr, one per tenth of the list. */
export const PROGRESS_FROM = 200

/** Every warning and error the run printed, so --json carries the same words as stderr. */
interface Said {
  warnings: string[]
  errors: string[]
}

function stderrLogger(write: (line: string) => void, quiet: boolean, said: Said): Logger {
  let shownTenths = 0
  return {
    info: (message) => (quiet ? undefined : write(message)),
    progress: (settled, total) => {
      const tenths = Math.floor((settled * 10) / total)
      if (quiet || total <= PROGRESS_FROM || tenths <= shownTenths) return
      shownTenths = tenths
      write(`  ${settled} of ${total} account(s) looked up`)
    },
    warning: (message) => {
      said.warnings.push(message)
      write(`warning: ${message}`)
    },
    error: (message) => {
      said.errors.push(message)
      write(`error: ${message}`)
    },
    group: async (name, task) => {
      if (!quiet) write(`${name}…`)
      return task()
    }
  }
}

/**
 * With --quiet, the mode for cron and log files, every line starts with the time in ISO 8601 UTC, so a
 * line in a shared log can be matched to its run; a person at a terminal sees the lines as they come.
 */
function stamper(quiet: boolean, now: () => number): (text: string) => string {
  if (!quiet) return (text) => text
  return (text) =>
    text
      .split('\n')
      .map((line, i, lines) => (i === lines.length - 1 && line === '' ? line : `${new Date(now()).toISOString()} ${line}`))
      .join('\n')
}

const HEADER = ['account', 'network', 'followers', 'following', 'posts', 'listed', 'status']
/** With a state, the signed change of followers since the previous run follows the followers. */
const HEADER_WITH_CHANGE = ['account', 'network', 'followers', 'change', 'following', 'posts', 'listed', 'status']

/** A plain-text table: numbers right-aligned, everything else left-aligned. */
export function formatTable(rows: string[][], withChange = false): string {
  const header = withChange ? HEADER_WITH_CHANGE : HEADER
  const all = [header, ...rows]
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)))
  const line = (row: string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0 // every row has the header's columns: the default is never used
        return column >= 2 && column < header.length - 1 ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  return `${all.map(line).join('\n')}\n`
}

function outcome(report: RunReport): string {
  const sent = deliveryPhrase(report)
  return `${report.collected} collected, ${report.failed} failed, ${sent}.`
}

/**
 * The --json report: what a script needs to decide and to alert, without the raw series. Self-contained:
 * `warnings` and `problems` are every warning and error the run printed on stderr, in the same words.
 */
export function jsonReport(report: RunReport, said: Said, undeliveredFile?: string): object {
  return {
    ok: report.ok,
    verdict: verdict(report.problems),
    collected: report.collected,
    failed: report.failed,
    records: report.records,
    failures: report.failures.map((f) => ({
      network: f.network,
      reason: f.reason,
      fatal: f.fatal === true,
      message: f.message,
      accounts: f.accounts.map((a) => a.handle)
    })),
    warnings: said.warnings,
    problems: said.errors,
    delivery: report.delivery && {
      sent: report.delivery.sent,
      requests: report.delivery.requests,
      bytesSent: report.delivery.bytesSent,
      undelivered: report.delivery.undelivered.length,
      error: report.delivery.error
    },
    ...(undeliveredFile ? { undeliveredFile } : {}),
    changes: report.changes ?? [],
    renames: (report.renames ?? []).map((r) => ({ network: r.account.network, account: r.account.handle, id: r.id, name: r.name ?? null, message: r.message })),
    gone: (report.gone ?? []).map((g) => ({
      network: g.account.network,
      account: g.account.handle,
      id: g.id,
      followers: g.followers ?? null,
      message: g.message
    })),
    lists: (report.lists ?? []).map((l) => ({
      entry: l.entry,
      network: l.network,
      members: l.members,
      requests: l.requests,
      ...(l.error ? { error: l.error } : {})
    })),
    footprint: report.footprint,
    rateLimitRemaining: report.rateLimitRemaining,
    durationMs: report.durationMs
  }
}

/** What keeps two runs of the command line from overlapping (StateStore.overlapAdvice). */
const CLI_OVERLAP_ADVICE = 'start a run only after the last one ended, for example under `flock -n` in cron (docs/state.md)'

/** The command line keeps its state in the file --state names (relative to the current directory), or none. */
function cliStateStore(config: Config, cwd: string, logger: Logger): StateStore | undefined {
  const location = config.state
  if (location?.kind === 'file') return createFileStore(resolve(cwd, location.path), CLI_OVERLAP_ADVICE)
  if (location?.kind === 'cache' || location?.kind === 's3') {
    const where = location.kind === 'cache' ? 'the Actions cache (a workflow only)' : 'S3 (the Lambda only)'
    logger.warning(
      `--state ${location.kind === 'cache' ? 'cache' : location.uri} keeps the state in ${where}; the command line keeps it in a file: give --state with a path. This run keeps no state.`
    )
  }
  return undefined
}

/** Runs the command line; returns the exit code instead of exiting, so output is flushed by the caller. */
export async function runCli(io: CliIO): Promise<number> {
  // Every line goes out masked and without terminal escapes: it may quote a server, or a word typed by someone else.
  const mask = createMasker(secretValues(readSettingsFromEnv(io.env)))
  let command
  try {
    command = parseCliArgs(io.argv, io.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`${forTerminal(mask(`twitter-stats: ${error.message}`))}\n`)
    io.stdout.write(`${verdict([{ reason: 'the command line is invalid' }])}\n`)
    return EXIT.usage
  }
  if (command.kind === 'help') {
    io.stdout.write(helpText())
    return EXIT.ok
  }
  if (command.kind === 'version') {
    io.stdout.write(`${io.version ?? 'unknown'}\n`)
    return EXIT.ok
  }

  mask.add(secretValues(command.raw))
  const stamp = stamper(command.quiet, io.http?.now ?? Date.now)
  const err = (line: string): unknown => io.stderr.write(stamp(`${forTerminal(mask(line))}\n`))
  // The table can be long (10,000 accounts): each line is made safe, none is cut.
  const out = (text: string): unknown => io.stdout.write(stamp(forTerminal(mask(text), Infinity, Infinity)))
  const json = (value: object): unknown => io.stdout.write(`${jsonForTerminal(JSON.stringify(maskDeep(value, mask)))}\n`)
  let config
  try {
    config = parseConfig(command.raw, await readAccountsFile(command.raw, { base: io.cwd ?? process.cwd(), stdin: io.stdin }))
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    err(`twitter-stats: ${error.message}`)
    err('Flags and variables are listed by twitter-stats --help.')
    const line = verdict([{ reason: 'the configuration is invalid' }])
    if (command.json) json({ ok: false, verdict: line, warnings: [], problems: error.problems })
    else out(`${line}\n`)
    return EXIT.usage
  }

  const said: Said = { warnings: [], errors: [] }
  const logger = stderrLogger(err, command.quiet, said)
  const state = cliStateStore(config, io.cwd ?? process.cwd(), logger)
  const report = await runCollection(config, { http: io.http ?? realHttpDeps, logger, state })
  const undelivered = report.delivery?.undelivered ?? []
  const saved = undelivered.length > 0 ? saveUndelivered(undelivered, io.env.TMPDIR || tmpdir()) : undefined
  const undeliveredFile = saved && 'file' in saved ? saved.file : undefined
  if (saved && 'problem' in saved) {
    // Never lost: the body goes in the --json report, or on standard error, whole (one line of JSON).
    const where = command.json ? 'in the --json report, as undeliveredBody' : 'on the next line of standard error'
    const message = unsavedMessage(undelivered.length, saved.problem, where, config.datadog.baseUrl)
    said.warnings.push(message)
    err(`warning: ${message}`)
    if (!command.json) io.stderr.write(`${jsonForTerminal(mask(payloadOf(undelivered)))}\n`)
  }
  if (undeliveredFile) {
    // How to recover, not another problem: the one that kept the series back was said already.
    const message = undeliveredMessage(undelivered.length, undeliveredFile, '', config.datadog.baseUrl)
    said.warnings.push(message)
    err(`warning: ${message}`)
  }
  if (command.json) {
    json({ ...jsonReport(report, said, undeliveredFile), ...(saved && 'problem' in saved ? { undeliveredBody: { series: undelivered } } : {}) })
  } else {
    out(formatTable(rowsWithChange(report), report.state !== undefined))
    out(`${outcome(report)}\n`)
    // The last line is the verdict, so `tail -1` of a log says how the run went.
    out(`${verdict(report.problems)}\n`)
  }
  return report.ok ? EXIT.ok : EXIT.failed
}
