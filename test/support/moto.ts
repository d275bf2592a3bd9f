/**
 * moto_server (a local AWS emulator) on a free 127.0.0.1 port, boto3 pointed at it, and the
 * built Lambda zip. Tests that need a tool skip with a visible message where it is missing, except
 * under CI=true, where a missing tool must fail the run instead of hiding it.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './run-action.js'

export const LAMBDA_ZIP = join(ROOT, 'build', 'twitter-stats-lambda.zip')

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

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface Moto {
  url: string
  /** Environment that points the AWS SDK and CLI at this moto, with dummy credentials. */
  env: Record<string, string>
  stop(): Promise<void>
}

/** Waits until nothing answers on `url` any more, so a stopped moto cannot linger unnoticed. */
async function stoppedListening(url: string, group?: number): Promise<void> {
  const deadline = Date.now() + 5_000
  for (;;) {
    try {
      await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) })
    } catch {
      return
    }
    if (Date.now() > deadline) throw new Error(`moto_server on ${url} still answers after it was stopped${group ? ` (process group ${group})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Its own process group: `moto_server` may be a launcher (a pyenv shim) whose child is the server,
  // and stopping only the launcher would leave the server running.
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  const stopGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      // the group is gone already
    }
  }
  // A test process that ends without calling stop() still takes the server with it.
  process.once('exit', stopGroup)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) {
      stopGroup()
      throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`)
    }
    try {
      if ((await fetch(`${url}/moto-api/data.json`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopGroup()
      throw new Error(`moto_server did not answer on ${url} within 20 s: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    env: { ...AWS_TEST_ENV, AWS_ENDPOINT_URL: url },
    async stop() {
      // The whole group, even when the launcher has exited and left the server behind.
      stopGroup()
      await exited
      await stoppedListening(url, child.pid)
      process.off('exit', stopGroup)
    }
  }
}

/**
 * Runs a Python script with boto3 (installed with moto) against moto: `input` arrives as JSON on
 * stdin, and the script prints its answer as JSON. One process for many calls keeps tests fast.
 */
export async function boto(moto: Moto, script: string, input: unknown): Promise<unknown> {
  const child = execFile('python3', ['-c', `import json, sys, boto3\ninput = json.load(sys.stdin)\n${script}`], {
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
 * jest starts, which leaves this a quick check; a suite started directly with jest may wait for a build.
 */
export const LAMBDA_BUILD_TIMEOUT_MS = 300_000

export function ensureLambdaZip(): string {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package-lambda.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('npm run package:lambda failed; run it by hand to see why.')
  return LAMBDA_ZIP
}

/** Unpacks the zip into a new empty folder, with Python's zipfile (Python is there wherever moto is). */
export function unpackZip(zip: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'twitter-stats-lambda-'))
  const unpacked = spawnSync('python3', ['-m', 'zipfile', '-e', zip, dir], { encoding: 'utf8' })
  if (unpacked.status !== 0) throw new Error(`could not unpack ${zip}: ${unpacked.stderr}`)
  return dir
}
