/** What the GitHub runner would act on in a log line: `::command` after optional whitespace, or the legacy `##[` anywhere. */
export function isRunnerCommand(line: string): boolean {
  return /^\s*::/.test(line) || line.includes('##[')
}
