/** The command-line adapter: flags and environment in, a table or a JSON report out, an exit code. Nothing else. */
import { UsageError, helpText, parseCliArgs } from './args.js'
import { runCollection, type RunReport } from '../collect.js'
import { parseConfig, readSettingsFromEnv, secretValues } from '../config.js'
import { ConfigError } from '../errors.js'
import { forTerminal, jsonForTerminal } from '../foreign-text.js'
import { realHttpDeps, type HttpDeps } from '../http.js'
import { createMasker, maskDeep } from '../secrets.js'
import type { Logger } from '../log.js'
import { tmpdir } from 'node:os'
import { summaryRows } from '../account-rows.js'
import { saveUndelivered, undeliveredMessage } from '../undelivered.js'

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

export interface CliIO {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  http?: HttpDeps
  /** The package version, read by the launcher from package.json next to dist/. */
  version?: string
}

/** Lists longer than this get progress lines on stderr, one per tenth of the list. */
export const PROGRESS_FROM = 200

function stderrLogger(write: (line: string) => void, quiet: boolean): Logger {
  let shownTenths = 0
  return {
    info: (message) => (quiet ? undefined : write(message)),
    progress: (settled, total) => {
      const tenths = Math.floor((settled * 10) / total)
      if (quiet || total <= PROGRESS_FROM || tenths <= shownTenths) return
      shownTenths = tenths
      write(`  ${settled} of ${total} account(s) looked up`)
    },
    warning: (message) => write(`warning: ${message}`),
    error: (message) => write(`error: ${message}`),
    group: async (name, task) => {
      if (!quiet) write(`${name}…`)
      return task()
    }
  }
}

const HEADER = ['account', 'network', 'followers', 'following', 'posts', 'listed', 'status']
const NUMERIC = new Set([2, 3, 4, 5])

/** A plain-text table: numbers right-aligned, everything else left-aligned. */
export function formatTable(rows: string[][]): string {
  const all = [HEADER, ...rows]
  const widths = HEADER.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)))
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (NUMERIC.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd()
  return `${all.map(line).join('\n')}\n`
}

function outcome(report: RunReport): string {
  const delivery = report.delivery
  const sent = !delivery
    ? 'nothing sent'
    : delivery.requests === 0
      ? `${delivery.sent} series printed (dry run)`
      : `${delivery.sent} series sent in ${delivery.requests} request(s)`
  return `${report.collected} collected, ${report.failed} failed, ${sent}.`
}

/** The --json report: what a script needs to decide and to alert, without the raw series. */
export function jsonReport(report: RunReport, undeliveredFile?: string): object {
  return {
    ok: report.ok,
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
    warnings: report.warnings,
    problems: report.problems,
    delivery: report.delivery && {
      sent: report.delivery.sent,
      requests: report.delivery.requests,
      bytesSent: report.delivery.bytesSent,
      undelivered: report.delivery.undelivered.length,
      error: report.delivery.error
    },
    ...(undeliveredFile ? { undeliveredFile } : {}),
    rateLimitRemaining: report.rateLimitRemaining,
    durationMs: report.durationMs
  }
}

/** Runs the command line; returns the exit code instead of exiting, so output is flushed by the caller. */
export async function runCli(io: CliIO): Promise<number> {
  // Every line goes out masked and without terminal escapes: it may quote a server, or a word typed by someone else.
  const mask = createMasker(secretValues(readSettingsFromEnv(io.env)))
  const err = (line: string): unknown => io.stderr.write(`${forTerminal(mask(line))}\n`)
  let command
  try {
    command = parseCliArgs(io.argv, io.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    err(`twitter-stats: ${error.message}`)
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
  let config
  try {
    config = parseConfig(command.raw)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    err(`twitter-stats: ${error.message}`)
    err('Flags and variables are listed by twitter-stats --help.')
    return EXIT.usage
  }

  const report = await runCollection(config, { http: io.http ?? realHttpDeps, logger: stderrLogger(err, command.quiet) })
  const undelivered = report.delivery?.undelivered ?? []
  const undeliveredFile = undelivered.length > 0 ? saveUndelivered(undelivered, io.env.TMPDIR || tmpdir(), Date.now()) : undefined
  if (undeliveredFile) err(`error: ${undeliveredMessage(undelivered.length, undeliveredFile, '')}`)
  if (command.json) {
    io.stdout.write(`${jsonForTerminal(JSON.stringify(maskDeep(jsonReport(report, undeliveredFile), mask)))}\n`)
  } else {
    io.stdout.write(forTerminal(mask(formatTable(summaryRows(report))), Infinity, Infinity))
    io.stdout.write(`${forTerminal(mask(outcome(report)))}\n`)
  }
  if (!report.ok) {
    err(
      report.problems.length === 1
        ? `error: the run failed: ${report.problems[0]}`
        : `error: the run failed:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`
    )
    return EXIT.failed
  }
  return EXIT.ok
}
