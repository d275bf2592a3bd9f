/** "Did you mean": the closest of a few known names to what a user typed. */

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The candidate closest to `value` by edit distance (the first on a tie). */
export function nearest<T extends string>(value: string, candidates: readonly [T, ...T[]]): T {
  let [best] = candidates
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(value, candidate)
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  return best
}
