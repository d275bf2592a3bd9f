/**
 * Tests run as ESM (the code is ESM, and so is @actions/core). `npm test` builds the Lambda zip first when
 * it is missing or older than the source; the suites that unpack it build it themselves when jest is
 * started directly.
 */
import { availableParallelism } from 'node:os'

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // esbuild strips the types; tsc checks them in `npm run typecheck` (./test/support/esbuild-transform.mjs).
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.mjs' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Slowest suites first, also without the durations of a previous run (a fresh clone).
  testSequencer: '<rootDir>/test/support/sequencer.mjs',
  // One moto_server for the run, started only when a suite asks for it, stopped at the end.
  globalSetup: '<rootDir>/test/support/moto-run.mjs',
  globalTeardown: '<rootDir>/test/support/moto-run-teardown.mjs',
  // At least four workers, also on two cores: many suites wait on sockets, moto, a child process or a deadline much
  // of the time, and the third and fourth workers fill those waits (docs/benchmarks.md).
  maxWorkers: Math.max(4, availableParallelism() - 1),
  testTimeout: 30000
}
