/** Every relative link in the README and the pages beside it resolves: the file exists, and a #anchor is a heading there. */
import { describe, expect, test } from '@jest/globals'
import { existsSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import { PAGES, anchors, linkTargets, readPage, slug } from '../support/docs.js'
import { ROOT } from '../support/root.mjs'

/** Where GitHub shows a page of the repository: relative links resolve from there. */
const BLOB = '/OWNER/twitter-stats/blob/main'
/** Pages of the repository on GitHub itself, outside its files, that a relative link may name. */
const GITHUB_PAGES = /^\/OWNER\/twitter-stats\/(releases(\/latest)?|actions|security)$/

/** What is wrong with `target`, a link on `page`, or undefined when it resolves. */
function broken(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined // absolute: https:, mailto:
  const [path = '', anchor] = target.split('#', 2)
  const resolved = path === '' ? `${BLOB}/${page}` : posix.resolve(posix.dirname(`${BLOB}/${page}`), path)
  if (!resolved.startsWith(`${BLOB}/`)) return GITHUB_PAGES.test(resolved) && anchor === undefined ? undefined : `${target}: leaves the repository`
  const file = resolved.slice(BLOB.length + 1)
  if (!existsSync(join(ROOT, file))) return `${target}: ${file} does not exist`
  if (anchor === undefined) return undefined
  if (!file.endsWith('.md') || statSync(join(ROOT, file)).isDirectory()) return `${target}: an anchor in a file that is not a page`
  return anchors(readPage(file)).has(anchor) ? undefined : `${target}: ${file} has no heading #${anchor}`
}

describe.each(PAGES)('%s', (page) => {
  test('every relative link names a file that exists, and every #anchor a heading in it', () => {
    const targets = linkTargets(readPage(page))
    expect(targets.map((target) => broken(page, target)).filter(Boolean)).toEqual([])
  })
})

describe('the checker', () => {
  test('finds the README, its pages and their headings', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/actions.md', 'docs/lambda.md', 'docs/development.md']))
    expect(anchors(readPage('README.md')).has('quick-start-github-action')).toBe(true)
    expect(linkTargets(readPage('README.md')).length).toBeGreaterThan(10)
  })

  test('gives headings the anchors GitHub gives them', () => {
    expect(slug('Deploy with the `aws` CLI')).toBe('deploy-with-the-aws-cli')
    expect(slug('Quick start (GitHub Action)')).toBe('quick-start-github-action')
    expect(slug('What runs, and the logs')).toBe('what-runs-and-the-logs')
    expect([...anchors('# A\n\n## A\n\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1'])
  })

  test('catches a missing file, a missing anchor and a link out of the repository', () => {
    expect(broken('README.md', 'docs/no-such-page.md')).toContain('does not exist')
    expect(broken('README.md', 'docs/actions.md#no-such-heading')).toContain('has no heading')
    expect(broken('docs/lambda.md', '#no-such-heading')).toContain('has no heading')
    expect(broken('docs/lambda.md', '../../outside')).toContain('leaves the repository')
    expect(broken('docs/lambda.md', '../README.md#quick-start-github-action')).toBeUndefined()
    expect(broken('docs/lambda.md', '../../../releases/latest')).toBeUndefined()
  })

  test('ignores links in code, and reads links with titles', () => {
    expect(linkTargets('`[a](b.md)`\n\n```\n[c](d.md)\n```\n[e](f.md "title")')).toEqual(['f.md'])
  })
})

test('the README stays a front page: under 16 KiB', () => {
  expect(Buffer.byteLength(readPage('README.md'))).toBeLessThan(16 * 1024)
})
