/**
 * jest's order of suites: slowest first, so no worker is left with a long suite while the others idle. jest takes
 * the durations from its cache of the previous run; a fresh clone (CI) has none, and jest then orders by file size,
 * which started the Lambda deadline suite (5 s of waiting) last and lengthened the run by 4 s (docs/benchmarks.md).
 * Where the cache has no duration, the typical one below (seconds, 2-core machine, three workers) stands in; a suite
 * not listed (under a second) counts as quick. Plain JavaScript: jest loads its sequencer without a transform.
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import TestSequencer from '@jest/test-sequencer'

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url))

export const TYPICAL_SECONDS = {
  'e2e/cloudformation-parameters': 11,
  'e2e/lambda-s3': 11,
  'e2e/hostile-transport': 10,
  // Waits on its 1 s budgets for the cache service's faults, on top of its own work.
  'state/cache-store': 6,
  'lambda/deadline': 5.5,
  'e2e/lambda': 5,
  'e2e/hostile-content': 4,
  'text/secret-leaks': 4,
  'sources/x-faults': 3.5,
  'datadog/faults': 3.5,
  'e2e/cloudformation': 3.5,
  'run/scale-10000': 3,
  'e2e/cloudformation-state': 2.5,
  'datadog/contract': 2.5,
  'config/input-properties': 2,
  'e2e/state-s3': 2,
  'run/unit-faults': 1.7,
  'state/validate': 1.4,
  // Five pipeline runs against the cache service stand-in and five on a file.
  'state/overlap': 1.5,
  'e2e/smoke-bundle': 1.5,
  // Three runs of dist/index.js against the cache service stand-in.
  'e2e/state-cache-bundle': 1.8,
  'datadog/series': 1.2,
  'http/bounds': 1.2,
  'action/summary-size': 1.2,
  'text/masker': 1.2,
  'datadog/client': 1.1,
  'sources/hostile-shapes': 1.1
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
