import type { RunReport } from './pipeline.js'
import { signed } from '../state/changes.js'

/** What happened to the series, in the words the summary and the command line share. */
export function deliveryPhrase(report: Pick<RunReport, 'delivery'>): string {
  const delivery = report.delivery
  if (!delivery) return 'nothing sent'
  return delivery.requests === 0 ? `${delivery.sent} series printed (dry run)` : `${delivery.sent} series sent in ${delivery.requests} request(s)`
}

/** Pure: one row per account for the job summary and the command line's table. */
export function summaryRows(report: Pick<RunReport, 'accounts' | 'samples' | 'failures'>): string[][] {
  const samples = new Map(report.samples.map((s) => [`${s.account.network}:${s.account.key}`, s]))
  const reasons = new Map<string, string>()
  for (const failure of report.failures) {
    for (const account of failure.accounts) reasons.set(`${account.network}:${account.key}`, failure.reason.replace('_', ' '))
  }
  const show = (value: number | undefined): string => (value === undefined ? '' : String(value))
  return report.accounts.map((account) => {
    const id = `${account.network}:${account.key}`
    const sample = samples.get(id)
    const m = sample?.metrics ?? {}
    return [
      account.handle,
      account.network,
      show(m.followers_count),
      show(m.friends_count),
      show(m.status_count),
      show(m.listed_count),
      sample ? 'ok' : (reasons.get(id) ?? 'not collected')
    ]
  })
}

/**
 * Pure: the rows of summaryRows, with the signed change of followers since the previous run after the followers
 * when the run keeps a state (empty where the state did not know the account); unchanged without one.
 */
export function rowsWithChange(report: Pick<RunReport, 'accounts' | 'samples' | 'failures' | 'changes' | 'state'>): string[][] {
  const rows = summaryRows(report)
  if (!report.state) return rows
  const changes = new Map((report.changes ?? []).map((c) => [`${c.network}:${c.account}`, c]))
  return rows.map((row, i) => {
    const account = report.accounts[i]
    const change = account && changes.get(`${account.network}:${account.key}`)
    return [...row.slice(0, 3), signed(change?.sincePrevious?.followers_count), ...row.slice(3)]
  })
}
