/**
 * Runs the action as the runner does, INPUT_* variables, output and summary files: the source in this
 * process (runActionInProcess, what tests of behaviour use), or the committed bundle (runBuiltAction,
 * for the one smoke test of dist/).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { realHttpDeps, type HttpDeps } from '../../src/http/send.js'
import { fakeClock } from './clock.js'
import { ROOT } from './root.mjs'

export interface ActionResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Contents of the file named by the undelivered-file output, if any. */
  undelivered?: string
  /** Contents of the file named by the metrics-file output, if any. */
  metricsFile?: string
}

export { ROOT }

/** Parses the GITHUB_OUTPUT file (name<<delimiter ... delimiter blocks, or name=value lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!)
      outputs[name!] = value.join('\n')
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return outputs
}

export interface NodeResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node args…` with exactly `env` (no inherited variables), collecting its output. */
export async function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<NodeResult> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr }
}

/** Runs the committed dist/index.js in a child process, exactly as the runner does; `nodeArgs` go before the entry. */
export async function runBuiltAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  entry = join(ROOT, 'dist', 'index.js'),
  nodeArgs: string[] = []
): Promise<ActionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]))
  const { code, stdout, stderr } = await runNode([...nodeArgs, entry], {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    ...inputEnv,
    ...env
  })
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  const undeliveredFile = outputs['undelivered-file']
  const result: ActionResult = { code, stdout, stderr, outputs, summary: readFileSync(summaryFile, 'utf8') }
  if (undeliveredFile) result.undelivered = readFileSync(undeliveredFile, 'utf8')
  if (outputs['metrics-file']) result.metricsFile = readFileSync(outputs['metrics-file'], 'utf8')
  rmSync(dir, { recursive: true, force: true })
  return result
}

/** One in-process run at a time: a run takes over process.env, process.exitCode and the standard streams. */
let running: Promise<unknown> = Promise.resolve()

/**
 * Runs the action's source in this process, as the runner would run the bundle: INPUT_* variables,
 * output and summary files, stdout and stderr captured. `http` overrides the network and the clock;
 * by default the clock is a fake one (test/support/clock.ts), so backoffs and rate-limit waits are
 * instant. Tests of behaviour use this, so a change in src/ fails them without a rebuild of dist/.
 * Runs are queued, so concurrent tests in one file cannot see each other's environment.
 */
export function runActionInProcess(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  http: Partial<HttpDeps> = fakeClock()
): Promise<ActionResult> {
  const result = running.then(() => runOnce(inputs, env, http))
  running = result.catch(() => undefined)
  return result
}

/** Replaces the stream's write with `append` (as an own property) until the returned function puts the original back. */
function capture(stream: NodeJS.WriteStream, append: (text: string) => void): () => void {
  const own = Object.getOwnPropertyDescriptor(stream, 'write')
  const write = (chunk: string | Uint8Array): boolean => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  Object.defineProperty(stream, 'write', { value: write, configurable: true, writable: true })
  return () => {
    if (own) Object.defineProperty(stream, 'write', own)
    else Reflect.deleteProperty(stream, 'write')
  }
}

async function runOnce(inputs: Record<string, string>, env: Record<string, string>, http: Partial<HttpDeps>): Promise<ActionResult> {
  const { run } = await import('../../src/action/main.js')
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]))
  const savedEnv = process.env
  const savedExitCode = process.exitCode
  let stdout = ''
  let stderr = ''
  process.env = {
    PATH: savedEnv.PATH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    ...inputEnv,
    ...env
  }
  process.exitCode = undefined
  const restoreStdout = capture(process.stdout, (text) => (stdout += text))
  const restoreStderr = capture(process.stderr, (text) => (stderr += text))
  let code: number
  try {
    await run({ http: { ...realHttpDeps, ...http }, env: process.env })
    code = Number(process.exitCode ?? 0)
  } finally {
    restoreStdout()
    restoreStderr()
    process.env = savedEnv
    process.exitCode = savedExitCode
  }
  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  const undeliveredFile = outputs['undelivered-file']
  const result: ActionResult = { code, stdout, stderr, outputs, summary: readFileSync(summaryFile, 'utf8') }
  if (undeliveredFile) result.undelivered = readFileSync(undeliveredFile, 'utf8')
  if (outputs['metrics-file']) result.metricsFile = readFileSync(outputs['metrics-file'], 'utf8')
  rmSync(dir, { recursive: true, force: true })
  return result
}
