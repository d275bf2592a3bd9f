/** Whether what Datadog holds is already what twitter-stats would send. */

/** True when every field of `desired` is in `actual` with the same value (Datadog adds ids and defaults). */
export function includes(actual: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((item, i) => includes(actual[i], item))
  }
  if (desired !== null && typeof desired === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
    return Object.entries(desired).every(([key, value]) => includes((actual as Record<string, unknown>)[key], value))
  }
  return actual === desired
}
