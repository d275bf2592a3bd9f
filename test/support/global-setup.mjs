// Runs once before any test file: builds the Lambda zip when it is missing or older than the source,
// so `npm ci && npm test` is the whole test command and two test files never build it at once.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export default function globalSetup() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'package-lambda.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('npm run package:lambda failed; run it by hand to see why.')
}
