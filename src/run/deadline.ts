/**
 * The run's deadline (run-timeout): collection stops early enough that what was collected can still be
 * delivered, and delivery (with the metadata and dashboard after it) stops at the deadline itself.
 */

/** Delivery's share of the run: a quarter of run-timeout, at most 60 s (one series POST takes well under a second; 60 s leaves room for a retry after a slow answer). */
export const MAX_DELIVERY_RESERVE_MS = 60_000

export function deliveryReserveMs(runTimeoutMs: number): number {
  return Math.min(MAX_DELIVERY_RESERVE_MS, Math.round(runTimeoutMs / 4))
}

export interface RunDeadlines {
  /** No source request, retry or rate-limit wait runs past this. */
  collectBy: number
  /** Delivery, metadata and the dashboard end by this: the run's end. */
  endBy: number
}

export function runDeadlines(started: number, runTimeoutMs: number): RunDeadlines {
  return { collectBy: started + runTimeoutMs - deliveryReserveMs(runTimeoutMs), endBy: started + runTimeoutMs }
}

/**
 * Delivery always gets a few seconds, even when collection ran to its deadline and the reserve went on a slow
 * start: sending what was collected matters more than ending exactly on time.
 */
export const MIN_DELIVERY_MS = 5_000

export function deliveryDeadline(deadlines: RunDeadlines, now: number): number {
  return Math.max(deadlines.endBy, now + MIN_DELIVERY_MS)
}
