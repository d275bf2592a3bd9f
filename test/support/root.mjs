/**
 * The project's root folder, in a module of its own: suites that need only the path load nothing else with it.
 * Plain JavaScript: jest's global setup (./moto-server.mjs) needs it too and runs without jest's transform.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The release zip that `npm run package:lambda` builds and the Lambda suites unpack. */
export const LAMBDA_ZIP = join(ROOT, 'build', 'twitter-stats-lambda.zip')
