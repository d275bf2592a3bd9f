/**
 * moto_server (a local AWS emulator) on a free 127.0.0.1 port, in a process group of its own, and the broker through
 * which a jest run shares one of them between its suites. Plain JavaScript: jest's global setup, which opens the
 * broker, is loaded by Node without jest's transform, so it cannot import TypeScript. Types: ./moto-server.d.mts.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'

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

/** @returns {Promise<import('./moto-server.d.mts').MotoServer>} */
export async function startMotoServer() {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Its own process group: `moto_server` may be a launcher (a pyenv shim) whose child is the server,
  // and stopping only the launcher would leave the server running.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
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
 * Opens the broker on 127.0.0.1 and names it in MOTO_BROKER_ENV: the first `GET /moto` starts the run's moto_server,
 * every one answers its URL (or why it did not start). `close()` closes the broker and stops the server, if one started.
 */
export async function openMotoBroker() {
  let moto
  const broker = createServer((req, res) => {
    if (req.url !== '/moto') return void res.writeHead(404).end()
    moto ??= startMotoServer()
    // One request per connection: a kept-alive one could be closed by the broker just as a later suite reuses it.
    const answer = (status, body) => void res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body))
    moto.then(
      ({ url }) => answer(200, { url }),
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
