/** The one concurrency helper every source and the provisioning share. */

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  // One iterator shared by every worker: each takes the next item when it is free.
  const queue = items.entries()
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (const [index, item] of queue) results[index] = await task(item, index)
  })
  await Promise.all(workers)
  return results
}
