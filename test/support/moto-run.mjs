/**
 * jest's global setup: opens the broker through which the run's suites share one moto_server, started when the
 * first of them asks (useMoto in ./moto.ts), so a run that selects no moto suite starts none. The global teardown
 * (./moto-run-teardown.mjs), in this same process, stops it.
 */
import { openMotoBroker } from './moto-server.mjs'

export const BROKER = Symbol.for('twitter-stats.moto-broker')

export default async function setup() {
  globalThis[BROKER] = await openMotoBroker()
}
