/** Lists said where people look: the job summary, the --json report, the footprint; and list entries from an S3 object. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { runSummary } from '../../../src/action/summary.js'
import { jsonReport } from '../../../src/cli/main.js'
import { parseConfig } from '../../../src/config/parse.js'
import { realHttpDeps } from '../../../src/http/send.js'
import type { Logger } from '../../../src/log.js'
import { footprintLine } from '../../../src/run/footprint.js'
import { runCollection, type RunReport } from '../../../src/run/pipeline.js'
import { fakeClock } from '../../support/clock.js'
import { addXLists, xNames } from '../../support/list-stand-ins.js'
import { X_TOKEN, metricsFor, startXStandIn, type XStandIn } from '../../support/stand-ins.js'

const silent: Logger = { info: () => {}, warning: () => {}, error: () => {}, group: (_name, task) => task() }
let x: XStandIn
let report: RunReport

beforeAll(async () => {
  x = await startXStandIn({ jack: metricsFor(1) })
  addXLists(x, { '42': xNames(120), '44': 'missing' })
  const config = parseConfig({ accounts: 'jack x-list:42 x-list:44', xBearerToken: X_TOKEN, xApiUrl: x.url, dryRun: 'true', selfMonitoring: 'false' })
  report = await runCollection(config, { http: { ...realHttpDeps, ...fakeClock() }, logger: silent })
})
afterAll(async () => {
  await x.close()
})

describe('lists in the reports', () => {
  test('the counts hold every member and the list that failed: N collected and M failed add up to the entries', () => {
    expect(report.collected).toBe(121)
    expect(report.failed).toBe(1)
    expect(report.collected + report.failed).toBe(report.accounts.length)
  })

  test('the job summary names each list with its member count', () => {
    const html = runSummary(report)
    expect(html).toContain('<p>121 of 122 account(s) collected, 1 failed,')
    expect(html).toContain(
      '<p>Lists expanded to their members: https://x.com/i/lists/42 (120 member(s)), https://x.com/i/lists/44 (0 member(s), not read whole: The X list https://x.com/i/lists/44 was not found (X said &quot;Not Found Error: Could not find list with id: [44].&quot;): it was deleted, or the id is mistyped. Check the list&#39;s address in X, or remove it from the account list.).</p>'
    )
  })

  test('--json has the lists with their counts and, for one that failed, why', () => {
    const json = jsonReport(report, { warnings: [], errors: [] }) as { lists: unknown; footprint: unknown }
    expect(json.lists).toEqual([
      { entry: 'https://x.com/i/lists/42', network: 'x', members: 120, requests: 2 },
      { entry: 'https://x.com/i/lists/44', network: 'x', members: 0, requests: 1, error: expect.stringContaining('was not found') }
    ])
    expect(json.footprint).toMatchObject({ xUsersRead: 121, xListUsersRead: 120 })
  })

  test('the footprint counts the X users read through lists', () => {
    expect(footprintLine(report.footprint)).toContain('121 X user(s) read (120 through lists): $1.21 a UTC day')
  })

  test('an S3 object or an accounts file takes list entries like the setting', () => {
    const config = parseConfig({ accounts: 'jack', xBearerToken: X_TOKEN, dryRun: 'true' }, [
      { source: 's3://bucket/accounts.txt', text: '# team\nhttps://x.com/i/lists/42\nbluesky-starter-pack:alice.bsky.social/3kpack\n', file: true }
    ])
    expect(config.lists.map((l) => l.entry)).toEqual(['https://x.com/i/lists/42', 'https://bsky.app/starter-pack/alice.bsky.social/3kpack'])
  })
})
