/**
 * jest's order of suites: slowest first, so no worker is left with a long suite while the others idle. jest takes
 * the durations from its cache of the previous run; a fresh clone (CI) has none, and jest then orders by file size,
 * which started the Lambda deadline suite (5 s of waiting) last and lengthened the run by 4 s (docs/benchmarks.md).
 * Where the cache has no duration, the typical one below (seconds, 2-core machine, three workers) stands in; a suite
 * not listed (under a second) counts as quick. Plain JavaScript: jest loads its sequencer without a transform.
 */
import { basename } from 'node:path'
import TestSequencer from '@jest/test-sequencer'

export const TYPICAL_SECONDS = {
  'cloudformation-parameters': 11,
  'lambda-s3': 11,
  'hostile-transport': 10,
  'lambda-deadline': 5.5,
  lambda: 5,
  'hostile-content': 4,
  'secret-leaks': 4,
  'x-faults': 3.5,
  'datadog-faults': 3.5,
  cloudformation: 3.5,
  'scale-10000': 3,
  'datadog-contract': 2.5,
  'input-properties': 2,
  'unit-faults': 1.7,
  'smoke-bundle': 1.5,
  'datadog-series': 1.2,
  'http-bounds': 1.2,
  'summary-size': 1.2,
  'secret-masker': 1.2,
  'datadog-client': 1.1,
  'hostile-shapes': 1.1
}

export default class SlowestFirst extends TestSequencer {
  time(test) {
    return super.time(test) ?? TYPICAL_SECONDS[basename(test.path, '.test.ts')] ?? 0
  }
}
