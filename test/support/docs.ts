/**
 * The documentation as the tests read it: the README, the top-level pages and docs/*.md, their headings as
 * GitHub turns them into anchors, their links, and one section of a page by its heading.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './root.mjs'

/** Every Markdown page a reader can reach: the top-level ones and docs/, as paths from the root. */
export const PAGES: string[] = [
  ...['README.md', 'CHANGELOG.md', 'SECURITY.md'].filter((name) => existsSync(join(ROOT, name))),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`)
]

export function readPage(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8')
}

/** A fenced code block, from its opening fence to the closing one at the same indent. */
const FENCE = /^( *)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm

/** The page without its fenced code blocks (headings and links in them are not Markdown). */
export function withoutFences(text: string): string {
  return text.replace(FENCE, '')
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of a page's headings, a repeated one numbered as GitHub numbers it (-1, -2, …). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const match of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1] ?? '')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

/** The targets of a page's inline links and images, outside code blocks and code spans. */
export function linkTargets(text: string): string[] {
  const prose = withoutFences(text).replace(/``[^`]*``|`[^`\n]*`/g, '')
  return [...prose.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? '')
}

/** The page with every line in a fenced code block blanked to spaces, so offsets stay those of the page. */
function blankFences(text: string): string {
  return text.replace(FENCE, (block) => block.replace(/[^\n]/g, ' '))
}

/** The text of the section of `page` whose heading starts with `heading`, up to the next heading of its level or higher. */
export function section(page: string, heading: string): string {
  const text = readPage(page)
  const prose = blankFences(text)
  const match = new RegExp(`^(#{1,6}) ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm').exec(prose)
  if (!match) throw new Error(`${page} has no heading starting with "${heading}"`)
  const from = match.index + match[0].length
  const end = new RegExp(`^#{1,${match[1]!.length}} `, 'm').exec(prose.slice(from))
  return text.slice(match.index, end ? from + end.index : undefined)
}
