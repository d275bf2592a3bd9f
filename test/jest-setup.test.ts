/**
 * The test run's own machinery: the transform keeps stack traces on the TypeScript lines, and the sequencer's table
 * of typical durations names suites that exist (a renamed suite would silently fall back to "quick").
 */
import { expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './support/root.mjs'
import { TYPICAL_SECONDS } from './support/sequencer.mjs'

test("a stack trace names this file's own line, through the transform's source map", () => {
  type Shape = { line: number }
  const here: Shape = { line: 0 }
  const error = new Error('where') // this is line 14 of the TypeScript file
  here.line = Number(/jest-setup\.test\.ts:(\d+):\d+/.exec(error.stack ?? '')?.[1])
  expect(here.line).toBe(14)
})

test('every suite in the sequencer table of typical durations exists', () => {
  const names = Object.keys(TYPICAL_SECONDS)
  expect(names.length).toBeGreaterThan(5)
  expect(names.filter((name) => !existsSync(join(ROOT, 'test', `${name}.test.ts`)))).toEqual([])
})
