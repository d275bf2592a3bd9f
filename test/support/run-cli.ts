/**
 * Runs the command line as a user would: argv, a clean environment, stdout, stderr and the exit code.
 * runCliInProcess calls the source's runCli (what tests of behaviour use, on a fake clock by default);
 * runBuiltCli starts the committed dist/cli.js, for the one smoke test of the bundle.
 */
import { join } from 'node:path'
import { runCli } from '../../src/cli/main.js'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import { fakeClock } from './clock.js'
import { ROOT, runNode, type NodeResult } from './run-action.js'

export type CliResult = NodeResult

export async function runCliInProcess(args: string[], env: Record<string, string> = {}, http: Partial<HttpDeps> = fakeClock()): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await runCli({
    argv: args,
    env: { PATH: process.env.PATH, ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    http: { ...realHttpDeps, ...http }
  })
  return { code, stdout, stderr }
}

export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode([join(ROOT, 'dist', 'cli.js'), ...args], { PATH: process.env.PATH, ...env })
}
