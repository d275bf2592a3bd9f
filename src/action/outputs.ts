/**
 * The action's outputs, within GitHub's limits: a job keeps at most 1 MB of outputs, so the `metrics` output
 * carries the records only while they fit well under that, and `metrics-file` always names a file with all of them.
 */
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { writePrivateFile, type Written } from '../run/private-file.js'
import type { RunReport } from '../run/pipeline.js'
import type { MetricRecord } from '../series/metrics.js'

/**
 * Largest `metrics` output, in bytes: half of GitHub's 1 MB per job, leaving room for the other outputs and for
 * a later step's. About 5,000 records (800 X accounts with all six metrics).
 */
export const METRICS_OUTPUT_LIMIT = 512 * 1024

/** Writes every record as a JSON array to a new private file in RUNNER_TEMP (the system's temporary directory elsewhere). */
export function writeMetricsFile(records: MetricRecord[], env: NodeJS.ProcessEnv): Written {
  return writePrivateFile(env.RUNNER_TEMP || tmpdir(), 'twitter-stats-metrics', JSON.stringify(records))
}

/** Before anything can fail: outputs a later step can read even when the configuration is refused. */
export function setInitialOutputs(env: NodeJS.ProcessEnv): void {
  core.setOutput('accounts-collected', 0)
  core.setOutput('accounts-failed', 0)
  core.setOutput('metrics', '[]')
  const written = writeMetricsFile([], env)
  core.setOutput('metrics-file', 'file' in written ? written.file : '')
}

/** The run's outputs; `metrics` is left empty, with a warning naming metrics-file, when it would not fit. */
export function setRunOutputs(report: RunReport, env: NodeJS.ProcessEnv): void {
  core.setOutput('accounts-collected', report.collected)
  core.setOutput('accounts-failed', report.failed)
  const written = writeMetricsFile(report.records, env)
  const file = 'file' in written ? written.file : ''
  core.setOutput('metrics-file', file)
  // Said, not thrown: the records are still in the metrics output when they fit, and in the summary.
  if ('problem' in written) core.warning(`The metrics-file output is empty: the file could not be written (${written.problem}). Check RUNNER_TEMP.`)
  const json = JSON.stringify(report.records)
  const bytes = Buffer.byteLength(json)
  if (bytes <= METRICS_OUTPUT_LIMIT) {
    core.setOutput('metrics', json)
    return
  }
  core.setOutput('metrics', '')
  core.warning(
    `The metrics output was left empty: its ${report.records.length} records take ${bytes} bytes, more than the ${METRICS_OUTPUT_LIMIT} kept within GitHub's 1 MB of outputs per job. Every record is in the file named by the metrics-file output (${file}); read it with, for example, jq . "\${{ steps.<id>.outputs.metrics-file }}".`
  )
}
