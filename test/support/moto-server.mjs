/**
 * moto_server (a local AWS emulator) on a free 127.0.0.1 port, in a process group of its own, and the broker through
 * which a jest run shares one of them between its suites. Plain JavaScript: jest's global setup, which opens the
 * broker, is loaded by Node without jest's transform, so it cannot import TypeScript. Types: ./moto-server.d.mts.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { dirname, join } from 'node:path'
import { LAMBDA_ZIP, ROOT } from './root.mjs'

/** Set by the run's global setup: the broker a suite asks for the run's moto_server (useMoto in ./moto.ts). */
export const MOTO_BROKER_ENV = 'TWITTER_STATS_MOTO_BROKER'

async function freePort() {
  const server = createTcpServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(() => resolve()))
  return port
}

/** Waits until nothing answers on `url` any more, so a stopped moto cannot linger unnoticed. */
async function stoppedListening(url, group) {
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

function run(command, args) {
  return new Promise((resolve, reject) =>
    execFile(command, args, { cwd: ROOT }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)
    )
  )
}

/**
 * The interpreter behind `python3`, asked once: `python3` and `moto_server` on PATH may be launchers (pyenv shims)
 * that cost a third of a second of CPU on every start. Falls back to `python3` when it cannot be asked.
 * @returns {Promise<{ python: string, motoServer: string }>}
 */
export async function resolvePython() {
  const python = (await run('python3', ['-c', 'import sys; print(sys.executable)']).catch(() => '')).trim() || 'python3'
  // pip installs moto's launcher next to the interpreter that runs it.
  const beside = python === 'python3' ? '' : join(dirname(python), 'moto_server')
  return { python, motoServer: beside && existsSync(beside) ? beside : 'moto_server' }
}

/**
 * @param {string} [command] the moto_server to start (default: the one on PATH)
 * @returns {Promise<import('./moto-server.d.mts').MotoServer>}
 */
export async function startMotoServer(command = 'moto_server') {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Its own process group: `moto_server` may be a launcher (a pyenv shim) whose child is the server,
  // and stopping only the launcher would leave the server running.
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  const stopGroup = () => {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // the group is gone already
    }
  }
  // A process that ends without calling stop() still takes the server with it, also when stopped by a signal
  // (Ctrl-C on jest), which ends a process without its 'exit' event: stop the group, then die of the signal.
  const onSignal = (signal) => {
    stopGroup()
    process.kill(process.pid, signal)
  }
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']
  process.once('exit', stopGroup)
  for (const signal of SIGNALS) process.once(signal, onSignal)
  const forget = () => {
    process.off('exit', stopGroup)
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
  // Not found on PATH (CI=true runs the suites even then): a failed start, not an uncaught error in jest's process.
  let failed
  child.once('error', (error) => (failed = error))
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const exited = new Promise((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 20_000
  for (;;) {
    if (failed) {
      forget()
      throw new Error(`moto_server could not be started: ${failed.message}. Install it with: pip install "moto[server]"`)
    }
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
    async stop() {
      // The whole group, even when the launcher has exited and left the server behind.
      stopGroup()
      await exited
      await stoppedListening(url, child.pid)
      forget()
    }
  }
}

/**
 * Opens the broker on 127.0.0.1 and names it in MOTO_BROKER_ENV. What it serves is made once per run, when a suite
 * first asks, and shared by every suite after it, so suites in parallel workers neither repeat nor race the work:
 * - `GET /moto`: the run's moto_server, started from the resolved interpreter, as `{ url, python }`;
 * - `GET /lambda-zip`: the release zip, rebuilt first when missing or older than the source, as `{ zip }`.
 * A failure is answered as `{ error }` with status 500. `close()` closes the broker and stops the server, if one started.
 */
export async function openMotoBroker() {
  let python
  let moto
  let lambdaZip
  const tasks = {
    '/moto': () => {
      python ??= resolvePython()
      moto ??= python.then(({ motoServer }) => startMotoServer(motoServer))
      return Promise.all([moto, python]).then(([{ url }, { python: interpreter }]) => ({ url, python: interpreter }))
    },
    '/lambda-zip': () => {
      lambdaZip ??= run(process.execPath, [join(ROOT, 'scripts', 'package-lambda.mjs'), '--if-stale']).then(() => ({ zip: LAMBDA_ZIP }))
      return lambdaZip
    }
  }
  const broker = createServer((req, res) => {
    const task = tasks[req.url ?? '']
    if (!task) return void res.writeHead(404).end()
    // One request per connection: a kept-alive one could be closed by the broker just as a later suite reuses it.
    const answer = (status, body) => void res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body))
    task().then(
      (body) => answer(200, body),
      (error) => answer(500, { error: error instanceof Error ? error.message : String(error) })
    )
  })
  await new Promise((resolve) => broker.listen(0, '127.0.0.1', resolve))
  broker.unref()
  process.env[MOTO_BROKER_ENV] = `http://127.0.0.1:${broker.address().port}`
  return {
    async close() {
      broker.close()
      delete process.env[MOTO_BROKER_ENV]
      const started = await moto?.catch(() => undefined)
      await started?.stop()
    }
  }
}
