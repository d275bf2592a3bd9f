#!/usr/bin/env node
// Copied to dist/cli.js by scripts/bundle.mjs (npm run bundle); do not edit dist/cli.js.
// The command line lives in the one bundle (dist/index.js), so dist/ holds a single copy of every dependency.
import { readFileSync } from 'node:fs'
import { runCli } from './index.js'

function packageVersion() {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
  } catch {
    return undefined // a copy of dist/ without package.json still runs
  }
}

try {
  process.exitCode = await runCli({
    argv: process.argv.slice(2),
    env: process.env,
    // Touched only for --accounts-file -, so a run without it never opens standard input.
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    stdout: process.stdout,
    stderr: process.stderr,
    version: packageVersion()
  })
} catch (error) {
  process.stderr.write(
    `twitter-stats stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}. Please report this with the command you ran.\n`
  )
  process.exitCode = 1
}
