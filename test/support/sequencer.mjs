/**
 * jest's order of suites: slowest first, so no worker is left with a long suite while the others idle. jest takes
 * the durations from its cache of the previous run; a fresh clone (CI) has none, and jest then orders by file size,
 * which started the Lambda deadline suite (5 s of waiting) last and lengthened the run by 4 s (docs/benchmarks.md).
 * Where the cache has no duration, the typical one below (seconds, 2-core machine, four workers) stands in; a suite
 * not listed (under a second) counts as quick. Plain JavaScript: jest loads its sequencer without a transform.
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import TestSequencer from '@jest/test-sequencer'

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url))

export const TYPICAL_SECONDS = {
  // Waits for its deadline (delivery's floor of 5 s) while its other cases run.
  'e2e/hostile-transport': 7.5,
  // Waits out a real deadline of about 5 s.
  'lambda/deadline': 5.5,
  'e2e/lambda-s3': 5,
  'text/secret-leaks': 5,
  'e2e/cloudformation-parameters': 5,
  // Waits for the calls its fault cases gave up at their budgets (the library's own 3 s retry).
  'state/cache-store': 4,
  'datadog/faults': 3.2,
  'sources/x-faults': 2.8,
  'run/scale-10000': 2.5,
  'action/state-cache': 2.4,
  'config/input-properties': 2.2,
  'state/overlap': 2.2,
  'e2e/state-s3': 2,
  'e2e/state-cache-bundle': 2,
  'e2e/cloudformation': 2,
  'state/validate': 1.9,
  'run/unit-faults': 1.9,
  'e2e/hostile-content': 1.9,
  'e2e/cloudformation-state': 1.8,
  'run/temp-files': 1.5,
  'e2e/lambda': 1.4,
  'http/bounds': 1.2,
  'sources/lists/x-list': 1.1,
  'datadog/client': 1.1,
  'datadog/series': 1
}

/** A suite's name: its path under test/ without .test.ts (e2e/lambda-s3). */
export function suiteName(path) {
  return relative(TEST_DIR, path)
    .split('\\')
    .join('/')
    .replace(/\.test\.ts$/, '')
}

export default class SlowestFirst extends TestSequencer {
  time(test) {
    return super.time(test) ?? TYPICAL_SECONDS[suiteName(test.path)] ?? 0
  }
}
