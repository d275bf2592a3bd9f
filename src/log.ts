/** What the pipeline says while it runs; each entry point decides how it looks (annotations, JSON lines, a terminal). */
export interface Logger {
  info(message: string, fields?: LogFields): void
  warning(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** Accounts settled so far out of `total`, after each request; adapters show it or not. */
  progress?(settled: number, total: number): void
  /** A phase of the run: a collapsible group in the workflow log. */
  group<T>(name: string, task: () => Promise<T>): Promise<T>
}

export interface LogFields {
  account?: string
  network?: string
  [key: string]: unknown
}
