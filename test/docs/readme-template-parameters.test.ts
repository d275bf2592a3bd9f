/** The table of the stack's parameters (docs/lambda.md) and cloudformation/twitter-stats.yaml say the same, run-timeout included. */
import { describe, expect, test } from '@jest/globals'
import { DEADLINE_MARGIN_MS } from '../../src/lambda/handler.js'
import { section } from '../support/docs.js'
import { loadTemplate } from '../support/template.js'

const template = loadTemplate()

interface Row {
  names: string[]
  /** Per name: its default, or undefined for none ("—", "(required)"). */
  defaults: (string | undefined)[]
  text: string
}

/** The rows of the table under "## Parameters" in docs/lambda.md: `| parameter(s) | default(s) | what it is |`. */
function parameterRows(): Row[] {
  const lines = section('docs/lambda.md', 'Parameters').split('\n').slice(2)
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

describe("docs/lambda.md's parameter table", () => {
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

  test("Timeout's description, in the template and in docs/lambda.md, names run-timeout and the margin the function keeps", () => {
    const description = template.Parameters.Timeout!.Description ?? ''
    expect(description).toContain('run-timeout (RUN_TIMEOUT)')
    expect(description).toContain(`the time the function has left when the run starts, ${margin}`)
    const row = rows.find((r) => r.names.includes('Timeout'))
    expect(row?.text).toContain('[`run-timeout`](actions.md#inputs) (`RUN_TIMEOUT`)')
    expect(row?.text).toContain(`the time the function has left when the run starts, ${margin}`)
  })
})
