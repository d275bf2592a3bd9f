/** README's table of the stack's parameters and cloudformation/twitter-stats.yaml say the same, run-timeout included. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEADLINE_MARGIN_MS } from '../../src/lambda/handler.js'
import { ROOT } from '../support/root.mjs'
import { loadTemplate } from '../support/template.js'

const template = loadTemplate()
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface Row {
  names: string[]
  /** Per name: its default, or undefined for none ("—", "(required)"). */
  defaults: (string | undefined)[]
  text: string
}

/** The rows of the table under "### Parameters": `| parameter(s) | default(s) | what it is |`. */
function parameterRows(): Row[] {
  const start = README.indexOf('\n### Parameters\n')
  expect(start).toBeGreaterThan(0)
  const lines = README.slice(start).split('\n').slice(2)
  const table = lines.slice(
    0,
    lines.findIndex((line, i) => i > 0 && !line.startsWith('|'))
  )
  return table.slice(2).map((line) => {
    const [, names = '', defaults = '', text = ''] = line.split(/(?<!\\)\|/).map((cell) => cell.trim())
    const nameList = [...names.matchAll(/`([A-Za-z0-9]+)`/g)].map((match) => match[1] ?? '')
    const cells = defaults.split(/,\s*/).map((cell) => (cell === '—' || cell === '(required)' ? undefined : cell.replace(/^`|`$/g, '')))
    return { names: nameList, defaults: nameList.map((_, i) => (cells.length === 1 ? cells[0] : cells[i])), text }
  })
}

const rows = parameterRows()

describe("README's parameter table", () => {
  test('has one row for every template parameter, and none for a parameter the template lacks', () => {
    const named = rows.flatMap((row) => row.names)
    expect([...named].sort()).toEqual(Object.keys(template.Parameters).sort())
    expect(new Set(named).size).toBe(named.length)
  })

  test("gives each parameter the template's default, or none where the template has none", () => {
    const fromReadme = Object.fromEntries(rows.flatMap((row) => row.names.map((name, i) => [name, row.defaults[i]])))
    const fromTemplate = Object.fromEntries(
      Object.entries(template.Parameters).map(([name, parameter]) => [name, parameter.Default === undefined ? undefined : String(parameter.Default)])
    )
    expect(fromReadme).toEqual(fromTemplate)
  })
})

describe('run-timeout in the stack', () => {
  const margin = `less ${DEADLINE_MARGIN_MS / 1000} s`

  test('is derived by the function, so the template sets no RUN_TIMEOUT of its own', () => {
    const environment = template.Resources.Function!.Properties.Environment as { Variables: Record<string, unknown> }
    expect(Object.keys(environment.Variables)).not.toContain('RUN_TIMEOUT')
    expect(Object.keys(template.Parameters)).not.toContain('RunTimeout')
  })

  test("Timeout's description, in the template and in the README, names run-timeout and the margin the function keeps", () => {
    const description = template.Parameters.Timeout!.Description ?? ''
    expect(description).toContain('run-timeout (RUN_TIMEOUT)')
    expect(description).toContain(`the time the function has left when the run starts, ${margin}`)
    const row = rows.find((r) => r.names.includes('Timeout'))
    expect(row?.text).toContain('[`run-timeout`](#inputs) (`RUN_TIMEOUT`)')
    expect(row?.text).toContain(`the time the function has left when the run starts, ${margin}`)
  })
})
