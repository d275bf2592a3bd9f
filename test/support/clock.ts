/**
 * A clock for `HttpDeps`: a sleep returns at once and moves `now` forward by what it skipped, so
 * backoffs and rate-limit waits cost no real time, and a test can read how long the run would have
 * waited. `now` is the real time plus the skipped time, so reset headers that stand-ins compute from
 * the real clock stay consistent with it.
 */
import type { HttpDeps } from '../../src/http/send.js'

export interface FakeClock extends Pick<HttpDeps, 'sleep' | 'now' | 'random'> {
  /** Every wait asked for, in milliseconds, in order. */
  sleeps: number[]
  /** The sum of `sleeps`. */
  skipped(): number
}

export function fakeClock(random = 0.5): FakeClock {
  const sleeps: number[] = []
  let skipped = 0
  return {
    sleeps,
    skipped: () => skipped,
    sleep: async (ms) => {
      sleeps.push(ms)
      skipped += ms
      // Yield to the event loop as a real timer would, so sockets and other tasks keep moving.
      await new Promise((resolve) => setImmediate(resolve))
    },
    now: () => Date.now() + skipped,
    random: () => random
  }
}
