/** The workflows' supply chain: third-party actions pinned by commit, least privilege per job, updates configured. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './support/run-action.js'

const WORKFLOWS = join(ROOT, '.github', 'workflows')
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name))

interface Workflow {
  permissions?: unknown
  jobs: Record<string, { permissions?: unknown; steps?: { uses?: string }[]; uses?: string }>
}

describe.each(files)('.github/workflows/%s', (name) => {
  const text = readFileSync(join(WORKFLOWS, name), 'utf8')
  const workflow = parse(text) as Workflow

  test('every action outside this repository is pinned by a full commit SHA with its version in a comment', () => {
    const uses = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line))
    expect(uses.length).toBeGreaterThan(0)
    for (const line of uses) {
      const target = /uses:\s*(\S+)/.exec(line)![1]!
      if (target.startsWith('./')) continue
      expect({
        line: line.trim(),
        pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+){0,2}\s*$/.test(
          line
            .trim()
            .replace(/^-\s+/, '')
            .replace(/^uses:\s*/, '')
        )
      }).toEqual({
        line: line.trim(),
        pinned: true
      })
    }
  })

  test('grants nothing by default, and each job declares its own permissions', () => {
    expect(workflow.permissions === undefined || JSON.stringify(workflow.permissions) === '{}').toBe(true)
    for (const [job, spec] of Object.entries(workflow.jobs)) {
      expect({ job, declared: spec.permissions !== undefined }).toEqual({ job, declared: true })
      expect({ job, permissions: spec.permissions }).not.toEqual({ job, permissions: 'write-all' })
    }
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
