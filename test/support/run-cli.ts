/** Runs the built command line (dist/cli.js) as a user would: argv, a clean environment, stdout and stderr. */
import { join } from 'node:path'
import { ROOT, runNode, type NodeResult } from './run-action.js'

export type CliResult = NodeResult

export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode([join(ROOT, 'dist', 'cli.js'), ...args], { PATH: process.env.PATH, ...env })
}
