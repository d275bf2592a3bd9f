/** Bluesky lists and starter packs in the account list, through the whole run, against the AppView stand-in on 127.0.0.1. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { parseConfig } from '../../../src/config/parse.js'
import { realHttpDeps } from '../../../src/http/send.js'
import type { Logger } from '../../../src/log.js'
import { runCollection, type RunReport } from '../../../src/run/pipeline.js'
import { fakeClock } from '../../support/clock.js'
import { blueskyProfiles, startBlueskyListStandIn, type BlueskyListStandIn } from '../../support/list-stand-ins.js'

const OWNER = { did: 'did:plc:ownerownerownerownerowne', handle: 'owner.bsky.social', followersCount: 1, followsCount: 2, postsCount: 3 }
const MEMBERS = blueskyProfiles(130)
const OTHERS = blueskyProfiles(3, 'o')
const silent: Logger = { info: () => {}, warning: () => {}, error: () => {}, group: (_name, task) => task() }

let bsky: BlueskyListStandIn

beforeEach(async () => {
  bsky = await startBlueskyListStandIn(
    [OWNER, ...MEMBERS, ...OTHERS],
    [
      { owner: OWNER.did, rkey: '3kbiglist', members: MEMBERS.map((m) => m.did) },
      { owner: OWNER.did, rkey: '3ksmall', members: [MEMBERS[5]!.did, ...OTHERS.map((o) => o.did)], starterPack: '3kpack' }
    ]
  )
})
afterEach(async () => {
  await bsky.close()
})

async function run(accounts: string): Promise<RunReport> {
  const config = parseConfig({ accounts, blueskyApiUrl: bsky.url, dryRun: 'true', selfMonitoring: 'false', concurrency: '2' })
  return runCollection(config, { http: { ...realHttpDeps, ...fakeClock() }, logger: silent })
}

const actorsAsked = (): string[] =>
  bsky.requests.filter((r) => r.url.startsWith('/xrpc/app.bsky.actor.getProfiles')).flatMap((r) => new URL(r.url, 'http://h').searchParams.getAll('actors'))

describe('a Bluesky list', () => {
  test('a 130-member list costs 2 getList pages and 6 getProfiles batches, after resolving the handle in its URL', async () => {
    const report = await run('https://bsky.app/profile/owner.bsky.social/lists/3kbiglist')
    expect(bsky.calls('com.atproto.identity.resolveHandle')).toBe(1)
    expect(bsky.calls('app.bsky.graph.getList')).toBe(2)
    expect(bsky.calls('app.bsky.actor.getProfiles')).toBe(6)
    const pages = bsky.requests.filter((r) => r.url.startsWith('/xrpc/app.bsky.graph.getList')).map((r) => new URL(r.url, 'http://h').searchParams)
    expect(pages.map((p) => [p.get('list'), p.get('limit'), p.get('cursor')])).toEqual([
      [`at://${OWNER.did}/app.bsky.graph.list/3kbiglist`, '100', null],
      [`at://${OWNER.did}/app.bsky.graph.list/3kbiglist`, '100', '100']
    ])
    // The counts come from getProfiles by DID; the series are named by handle, as if each were named alone.
    expect(actorsAsked()).toEqual(MEMBERS.map((m) => m.did))
    expect(report.collected).toBe(130)
    expect(report.series.find((s) => s.metric === 'twitter.followers_count' && s.tags.includes('account:m7.bsky.social'))?.tags).toEqual([
      'account:m7.bsky.social',
      'network:bluesky'
    ])
    expect(report.lists).toEqual([{ entry: 'https://bsky.app/profile/owner.bsky.social/lists/3kbiglist', network: 'bluesky', members: 130, requests: 3 }])
  })

  test('an at-uri carries the DID, so no handle is resolved', async () => {
    const report = await run(`at://${OWNER.did}/app.bsky.graph.list/3ksmall`)
    expect(bsky.calls('com.atproto.identity.resolveHandle')).toBe(0)
    expect(report.collected).toBe(4)
  })

  test('a starter pack is read through getStarterPack, then its list', async () => {
    const report = await run('https://bsky.app/starter-pack/owner.bsky.social/3kpack')
    expect(bsky.calls('app.bsky.graph.getStarterPack')).toBe(1)
    expect(new URL(bsky.requests[1]!.url, 'http://h').searchParams.get('starterPack')).toBe(`at://${OWNER.did}/app.bsky.graph.starterpack/3kpack`)
    expect(bsky.calls('app.bsky.graph.getList')).toBe(1)
    expect(report.samples.map((s) => s.account.handle).sort()).toEqual(['m5.bsky.social', 'o0.bsky.social', 'o1.bsky.social', 'o2.bsky.social'])
  })

  test('a member also named alone (by handle or DID), or in two lists, is collected once', async () => {
    const report = await run(`M5.bsky.social ${OTHERS[0]!.did} bluesky-list:${OWNER.did}/3kbiglist bluesky-starter-pack:${OWNER.did}/3kpack`)
    expect(report.accounts).toHaveLength(2 + 129 + 2)
    expect(report.collected).toBe(133)
    expect(actorsAsked().sort()).toEqual([...new Set(actorsAsked())].sort())
    expect(report.samples.filter((s) => s.id === MEMBERS[5]!.did).map((s) => s.account.handle)).toEqual(['M5.bsky.social'])
    expect(report.warnings).toEqual([])
  })

  test('a missing list, a missing starter pack and a handle that does not resolve each fail alone, named', async () => {
    const report = await run(
      `o1.bsky.social bluesky-list:${OWNER.did}/3kgone bluesky-starter-pack:${OWNER.did}/3kgone https://bsky.app/profile/nobody.bsky.social/lists/3kx`
    )
    expect(report.collected).toBe(1)
    expect(report.failed).toBe(3)
    expect(report.failures.map((f) => [f.reason, f.message])).toEqual([
      [
        'not_found',
        `Bluesky could not find the list of the Bluesky list https://bsky.app/profile/${OWNER.did}/lists/3kgone ("List not found"): it was deleted, or its address is mistyped. Check the address in Bluesky, or remove it from the account list.`
      ],
      [
        'not_found',
        `Bluesky could not find the starter pack of the Bluesky starter pack https://bsky.app/starter-pack/${OWNER.did}/3kgone ("Starter pack not found"): it was deleted, or its address is mistyped. Check the address in Bluesky, or remove it from the account list.`
      ],
      [
        'not_found',
        'Bluesky could not find the handle nobody.bsky.social of the Bluesky list https://bsky.app/profile/nobody.bsky.social/lists/3kx ("Unable to resolve handle"): it was deleted, or its address is mistyped. Check the address in Bluesky, or remove it from the account list.'
      ]
    ])
    expect(report.ok).toBe(true)
  })
})

describe('hostile Bluesky list answers', () => {
  test('a cursor that repeats is detected and the reading stopped, saying so', async () => {
    bsky.repeatCursor = 'again'
    const report = await run(`bluesky-list:${OWNER.did}/3kbiglist`)
    expect(bsky.calls('app.bsky.graph.getList')).toBe(2)
    expect(report.collected).toBe(100)
    expect(report.warnings).toEqual([
      `The Bluesky list https://bsky.app/profile/${OWNER.did}/lists/3kbiglist was read as far as 100 member(s): the network answered a cursor it had given before, which would read the same pages forever; the members after those were not collected.`
    ])
  })

  test('a cursor that never ends, each time new, is stopped by the page bound', async () => {
    let n = 0
    const normal = bsky.override
    bsky.override = (request, index, answer) => {
      if (!request.url.startsWith('/xrpc/app.bsky.graph.getList')) return normal?.(request, index, answer)
      const subject = { did: MEMBERS[0]!.did, handle: MEMBERS[0]!.handle }
      return { status: 200, body: JSON.stringify({ list: {}, items: [{ uri: 'at://x', subject }], cursor: `c${n++}` }) }
    }
    const report = await run(`bluesky-list:${OWNER.did}/3kbiglist`)
    // The run's account limit (10,000) at 100 a page, and ten pages more for pages that filtered items out.
    expect(bsky.calls('app.bsky.graph.getList')).toBe(110)
    expect(report.collected).toBe(1)
    expect(report.warnings).toEqual([expect.stringContaining('110 pages were read and the network still gave a next one')])
  })

  test('a member without a valid DID is left out with a warning; a body that is not a list fails the list alone', async () => {
    const normal = bsky.override
    bsky.override = (request, index, answer) => {
      if (!request.url.startsWith('/xrpc/app.bsky.graph.getList')) return normal?.(request, index, answer)
      if (request.url.includes('3kbad')) return { status: 200, body: '{"items":"none"}' }
      return { status: 200, body: JSON.stringify({ items: [{ subject: { did: 'did:evil:<script>', handle: 'x.test' } }, { subject: OTHERS[2] }] }) }
    }
    const report = await run(`bluesky-list:${OWNER.did}/3ksmall bluesky-list:${OWNER.did}/3kbad`)
    expect(report.collected).toBe(1)
    expect(report.failed).toBe(1)
    expect(report.warnings).toEqual([
      `Bluesky returned a member of the Bluesky list https://bsky.app/profile/${OWNER.did}/lists/3ksmall without a valid DID; it was left out.`
    ])
    expect(report.problems[0]?.message).toContain(
      `Bluesky answered 200 with a body that is not a getList result for the Bluesky list https://bsky.app/profile/${OWNER.did}/lists/3kbad`
    )
  })
})
