/** action.yml is the public interface: it must declare exactly the settings the parser reads. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { SETTINGS } from '../../src/config/settings.js'
import { ROOT } from '../support/root.mjs'

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string; description: string }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}

describe('action.yml', () => {
  test('declares every setting as an input, with the same default, and nothing else', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(SETTINGS.map((s) => s.input).sort())
    for (const spec of SETTINGS) {
      expect([spec.input, action.inputs[spec.input]!.default ?? '']).toEqual([spec.input, spec.default])
    }
    expect(action.inputs.accounts!.required).toBe(false)
  })

  test('runs the committed bundle on node24 and declares the documented outputs', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['accounts-collected', 'accounts-failed', 'metrics']))
  })

  test('every setting has an upper-snake-case variable named after its input', () => {
    for (const spec of SETTINGS) expect(spec.env).toBe(spec.input.toUpperCase().replace(/-/g, '_'))
  })
})
