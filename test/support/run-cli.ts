/** Runs the built command line (dist/cli.js) as a user would: argv, a clean environment, stdout and stderr. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './run-action.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export async function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr }
}
