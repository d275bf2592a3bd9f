/** The job summary: what a person opening the run from GitHub reads first. */
import * as core from '@actions/core'
import { context } from '@actions/github'
import { appendFileSync } from 'node:fs'
import { summaryRows } from '../account-rows.js'
import type { RunReport } from '../collect.js'
import { forHtml } from '../foreign-text.js'

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  // @actions/github reads the environment once, when first imported; build a fresh Context for this run.
  const current = new (context.constructor as new () => typeof context)()
  // context.repo throws outside a workflow; check the variable it reads first.
  if (!current.runId || !env.GITHUB_REPOSITORY) return undefined
  const { owner, repo } = current.repo
  return `${current.serverUrl}/${owner}/${repo}/actions/runs/${current.runId}`
}

export async function writeSummary(report: RunReport, env: NodeJS.ProcessEnv, mask: (text: string) => string = (text) => text): Promise<void> {
  // GitHub renders the summary as HTML: every cell and problem is masked, then escaped.
  const html = (text: string): string => forHtml(mask(text))
  const file = env.GITHUB_STEP_SUMMARY
  if (!file) return
  const header = ['account', 'network', 'followers', 'following', 'posts', 'listed', 'status'].map((data) => ({ data, header: true }))
  const url = runUrl(env)
  core.summary
    .addHeading('twitter-stats', 2)
    .addRaw(
      `${report.collected} collected, ${report.failed} failed, ${report.delivery?.sent ?? 0} series ${report.delivery && report.delivery.requests === 0 ? 'printed (dry run)' : 'sent'}.`,
      true
    )
    .addTable([header, ...summaryRows(report).map((row) => row.map(html))])
  if (report.problems.length > 0) core.summary.addList(report.problems.map(html))
  if (url) core.summary.addLink('This run', url)
  // Appended by us, not core.summary.write(), which caches the first file it was given for the life of the process.
  appendFileSync(file, core.summary.stringify())
  core.summary.emptyBuffer()
}
