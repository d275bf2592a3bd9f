/**
 * The workflows we ship (.github/workflows/*) and the example deploy workflow users copy
 * (docs/deploy-lambda.yml): actions pinned by commit, least privilege, Dependabot, and what the
 * release workflow promises.
 */
import { describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../support/root.mjs'

interface Workflow {
  on: unknown
  permissions?: Record<string, string>
  jobs: Record<
    string,
    { permissions?: Record<string, string> | string; uses?: string; steps: { uses?: string; run?: string; with?: Record<string, string> }[] }
  >
}

const read = (path: string): { text: string; workflow: Workflow } => {
  const text = readFileSync(join(ROOT, path), 'utf8')
  return { text, workflow: parse(text) as Workflow }
}

const OURS = readdirSync(join(ROOT, '.github', 'workflows'))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => `.github/workflows/${name}`)
const EXAMPLE = 'docs/deploy-lambda.yml'

test('the release workflow is among the workflows checked', () => {
  expect(OURS).toContain('.github/workflows/release.yml')
})

describe.each([...OURS, EXAMPLE])('%s', (path) => {
  const { text, workflow } = read(path)

  test('pins every action outside this repository to a full commit SHA, with its version in a comment', () => {
    const uses = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line))
    expect(uses.length).toBeGreaterThan(0)
    for (const line of uses) {
      const target = line
        .trim()
        .replace(/^-\s+/, '')
        .replace(/^uses:\s*/, '')
      if (target.startsWith('./')) continue
      expect({ line: line.trim(), pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+){0,2}\s*$/.test(target) }).toEqual({
        line: line.trim(),
        pinned: true
      })
    }
  })

  test('declares the permissions of every job, never write-all', () => {
    for (const [job, spec] of Object.entries(workflow.jobs)) {
      expect({ job, declared: (spec.permissions ?? workflow.permissions) !== undefined }).toEqual({ job, declared: true })
      expect({ job, permissions: spec.permissions ?? workflow.permissions }).not.toEqual({ job, permissions: 'write-all' })
    }
  })
})

describe.each(OURS)('%s, one of ours', (path) => {
  const { workflow } = read(path)

  test('grants nothing by default, and each job declares its own permissions', () => {
    expect(workflow.permissions === undefined || JSON.stringify(workflow.permissions) === '{}').toBe(true)
    for (const [job, spec] of Object.entries(workflow.jobs)) expect({ job, declared: spec.permissions !== undefined }).toEqual({ job, declared: true })
  })
})

test('Dependabot keeps npm packages and GitHub Actions current', () => {
  const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
    version: number
    updates: { 'package-ecosystem': string; directory: string }[]
  }
  expect(config.version).toBe(2)
  expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
})

describe('the release workflow', () => {
  const { workflow } = read('.github/workflows/release.yml')
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
  const runs = steps.map((step) => step.run ?? '').join('\n')

  test('runs on a published release and grants nothing by default', () => {
    expect(workflow.on).toEqual({ release: { types: ['published'] } })
    expect(workflow.permissions).toEqual({})
  })

  test('packages the zip, runs .ci/run on it, then checksums, attests and attaches the zip, the template and SHA256SUMS', () => {
    for (const command of ['npm run package:lambda', 'bash .ci/run', 'sha256sum twitter-stats-lambda.zip twitter-stats.yaml > SHA256SUMS'])
      expect(runs).toContain(command)
    expect(runs.indexOf('npm run package:lambda')).toBeLessThan(runs.indexOf('bash .ci/run'))
    expect(runs).toContain('install --quiet -r .ci/requirements.txt')
    expect(steps.find((s) => s.uses?.startsWith('actions/attest-build-provenance@'))?.with?.['subject-path']).toBe('release/*')
    expect(runs).toContain('gh release upload "$TAG" release/twitter-stats-lambda.zip release/twitter-stats.yaml release/SHA256SUMS')
  })

  test('only the publishing job may write, and only it moves the major tag', () => {
    expect(workflow.jobs.build!.permissions).toEqual({ contents: 'read', 'id-token': 'write', attestations: 'write' })
    expect(workflow.jobs.publish!.permissions).toEqual({ contents: 'write' })
    expect(workflow.jobs.publish!.steps.map((s) => s.run ?? '').join('\n')).toContain('git/refs/tags/$major')
  })
})

describe('CI is .ci/run', () => {
  const ciRun = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
  const { workflow } = read('.github/workflows/ci.yml')
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
  const runs = steps.flatMap((step) => (step.run ? [step.run.trim()] : []))

  test('.ci/run runs every check: install and test, format, lint, typecheck, cfn-lint and the dist check', () => {
    for (const command of [
      'npm ci && npm test',
      'npm run format:check',
      'npm run lint',
      'npm run typecheck',
      'npm run lint:template',
      'npm run bundle',
      'git diff --exit-code'
    ])
      expect(ciRun).toContain(command)
  })

  test('ci.yml installs what .ci/run needs, with Node.js from .node-version, and calls it', () => {
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version-file']).toBe('.node-version')
    expect(runs.some((run) => run.includes('pip" install --quiet -r .ci/requirements.txt'))).toBe(true)
    expect(readFileSync(join(ROOT, '.ci', 'requirements.txt'), 'utf8')).toMatch(/^moto\[server\]==[\d.]+\ncfn-lint==[\d.]+$/m)
    expect(runs).toContain('bash .ci/run')
  })

  test('ci.yml adds only what needs GitHub itself: the audit of the production dependencies', () => {
    const others = runs.filter((run) => run !== 'bash .ci/run' && !run.includes('.ci/requirements.txt'))
    expect(others).toEqual(['npm audit --omit=dev --audit-level=high'])
  })
})
