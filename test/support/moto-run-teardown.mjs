/** jest's global teardown: stops the run's moto_server as a process group, if a suite started one (./moto-run.mjs). */
import { BROKER } from './moto-run.mjs'

export default async function teardown() {
  await globalThis[BROKER]?.close()
}
