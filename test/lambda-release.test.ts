/** The release workflow and the example deploy workflow: pinned actions, least permissions, the promised files. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './support/run-action.js'

interface Workflow {
  on: unknown
  permissions?: Record<string, string>
  jobs: Record<string, { permissions?: Record<string, string>; steps: { uses?: string; run?: string; with?: Record<string, string> }[] }>
}

const read = (path: string): { text: string; workflow: Workflow } => {
  const text = readFileSync(join(ROOT, path), 'utf8')
  return { text, workflow: parse(text) as Workflow }
}

describe.each(['.github/workflows/release.yml', 'docs/deploy-lambda.yml'])('%s', (path) => {
  const { text, workflow } = read(path)

  test('pins every action to a full commit SHA, with its version in a comment', () => {
    const uses = text.split('\n').filter((line) => /^\s*(- )?uses:/.test(line))
    expect(uses.length).toBeGreaterThan(0)
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/)
  })

  test('declares the permissions of every job', () => {
    for (const job of Object.values(workflow.jobs)) expect(job.permissions ?? workflow.permissions).toBeDefined()
  })
})

describe('the release workflow', () => {
  const { workflow } = read('.github/workflows/release.yml')
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
  const runs = steps.map((step) => step.run ?? '').join('\n')

  test('runs on a published release and grants nothing by default', () => {
    expect(workflow.on).toEqual({ release: { types: ['published'] } })
    expect(workflow.permissions).toEqual({})
  })

  test('tests, packages, checksums, attests and attaches the zip, the template and SHA256SUMS', () => {
    for (const command of [
      'npm test',
      'npm run package:lambda',
      'cfn-lint cloudformation/twitter-stats.yaml',
      'sha256sum twitter-stats-lambda.zip twitter-stats.yaml > SHA256SUMS'
    ])
      expect(runs).toContain(command)
    expect(runs.indexOf('npm run package:lambda')).toBeLessThan(runs.indexOf('npm test'))
    expect(steps.find((s) => s.uses?.startsWith('actions/attest-build-provenance@'))?.with?.['subject-path']).toBe('release/*')
    expect(runs).toContain('gh release upload "$TAG" release/twitter-stats-lambda.zip release/twitter-stats.yaml release/SHA256SUMS')
  })

  test('only the publishing job may write, and only it moves the major tag', () => {
    expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', 'id-token': 'write', attestations: 'write' })
    expect(workflow.jobs.publish!.permissions).toEqual({ contents: 'write' })
    expect(workflow.jobs.publish!.steps.map((s) => s.run ?? '').join('\n')).toContain('git/refs/tags/$major')
  })
})
