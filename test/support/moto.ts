/**
 * moto_server (a local AWS emulator; the process itself is in ./moto-server.mjs), boto3 pointed at it, and the
 * built Lambda zip. Tests that need a tool skip with a visible message where it is missing, except
 * under CI=true, where a missing tool must fail the run instead of hiding it.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MOTO_BROKER_ENV, startMotoServer } from './moto-server.mjs'
import { LAMBDA_ZIP, ROOT } from './root.mjs'

/** Dummy credentials and region: moto accepts any; nothing here can reach real AWS. */
export const AWS_TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1'
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/**
 * True when the tools are present. Otherwise warns and returns false so the caller skips, unless
 * CI=true: then it returns true and the tests fail on the missing tool.
 */
export function toolsAvailable(tools: string[], what: string): boolean {
  const missing = tools.filter((tool) => !onPath(tool))
  if (missing.length === 0) return true
  if (process.env.CI === 'true') return true
  console.warn(
    `SKIPPED ${what}: ${missing.join(', ')} not found on PATH. Install with: pip install "moto[server]" cfn-lint. (Under CI=true these tests run and fail instead.)`
  )
  return false
}

export interface Moto {
  url: string
  /** The Python that runs boto3 scripts: the interpreter itself where the broker resolved it, else `python3`. */
  python: string
  /** Environment that points the AWS SDK and CLI at this moto, with dummy credentials. */
  env: Record<string, string>
  stop(): Promise<void>
}

/** A moto_server of the caller's own, stopped (its whole process group) by `stop()`. */
export async function startMoto(): Promise<Moto> {
  const server = await startMotoServer()
  return { url: server.url, python: 'python3', env: { ...AWS_TEST_ENV, AWS_ENDPOINT_URL: server.url }, stop: () => server.stop() }
}

/**
 * The run's moto_server, started by the first suite that asks, through the broker of jest's global setup
 * (./moto-run.mjs), and stopped as a process group when the run ends: a run without moto suites starts none, a run
 * with all of them one instead of one per suite (some 2 s of CPU each). Suites share it by using names of their own
 * (buckets, stacks, secrets). Without the broker (a suite run by another runner), a server of its own.
 */
export async function useMoto(): Promise<Moto> {
  const broker = process.env[MOTO_BROKER_ENV]
  if (!broker) return startMoto()
  const { url, python } = await fromBroker<{ url: string; python: string }>(broker, '/moto', "the run's moto_server did not start")
  // Not this suite's to stop: the run's teardown stops it once every suite is done.
  return { url, python, env: { ...AWS_TEST_ENV, AWS_ENDPOINT_URL: url }, stop: async () => undefined }
}

async function fromBroker<T>(broker: string, path: string, failure: string): Promise<T> {
  const answer = await fetch(`${broker}${path}`)
  const body = (await answer.json()) as T & { error?: string }
  if (!answer.ok) throw new Error(`${failure}: ${body.error ?? answer.status}`)
  return body
}

/**
 * Runs a Python script with boto3 (installed with moto) against moto: `input` arrives as JSON on
 * stdin, and the script prints its answer as JSON. One process for many calls keeps tests fast.
 */
export async function boto(moto: Moto, script: string, input: unknown): Promise<unknown> {
  const child = execFile(moto.python, ['-c', `import json, sys, boto3\ninput = json.load(sys.stdin)\n${script}`], {
    env: { ...process.env, ...moto.env },
    maxBuffer: 10_000_000
  })
  child.stdin?.end(JSON.stringify(input))
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`the boto3 script failed (${code}): ${stderr.slice(-2000)}`)
  return JSON.parse(stdout)
}

/**
 * The release zip, as `npm run package:lambda` builds it. Rebuilt when missing or older than the
 * source (the script decides), so a local run never tests a stale zip. `npm test` builds it before
 * jest starts, which leaves this a quick check, made once per run by the broker for every suite that
 * asks; a suite started directly with jest may wait for a build.
 */
export const LAMBDA_BUILD_TIMEOUT_MS = 300_000

export async function lambdaZip(): Promise<string> {
  const broker = process.env[MOTO_BROKER_ENV]
  if (broker) return (await fromBroker<{ zip: string }>(broker, '/lambda-zip', 'npm run package:lambda failed; run it by hand to see why')).zip
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package-lambda.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('npm run package:lambda failed; run it by hand to see why.')
  return LAMBDA_ZIP
}

/** Unpacks the zip into a new empty folder, with Python's zipfile (Python is there wherever moto is). */
export function unpackZip(zip: string, python = 'python3'): string {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-lambda-'))
  const unpacked = spawnSync(python, ['-m', 'zipfile', '-e', zip, dir], { encoding: 'utf8' })
  if (unpacked.status !== 0) throw new Error(`could not unpack ${zip}: ${unpacked.stderr}`)
  return dir
}
