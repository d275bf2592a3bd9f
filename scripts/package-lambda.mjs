#!/usr/bin/env node
/**
 * npm run package:lambda: bundles src/lambda/handler.ts with ncc (the action's bundler) into build/lambda/
 * and zips it to build/twitter-stats-lambda.zip. The zip is self-contained (the AWS SDK is inside)
 * and reproducible: sorted entries, fixed dates and modes, so the same source gives the same bytes.
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import yazl from 'yazl'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const build = join(root, 'build')
const out = join(build, 'lambda')
const zipFile = join(build, 'twitter-stats-lambda.zip')
// Unique names, so two builds at once (parallel test files) never see each other's half-written files.
const staging = join(build, `.lambda-${process.pid}`)
const FIXED_DATE = new Date('2000-01-01T00:00:00Z')

/** The newest modification time of the files the zip is built from. */
function newestSource() {
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).map((name) => join(root, 'src', name))
  return Math.max(...[...sources, join(root, 'package-lock.json'), fileURLToPath(import.meta.url)].map((file) => statSync(file).mtimeMs))
}

// --if-stale: the tests' way in; rebuild only when the zip is missing or older than its source.
if (process.argv.includes('--if-stale') && existsSync(zipFile) && statSync(zipFile).mtimeMs >= newestSource()) process.exit(0)

mkdirSync(build, { recursive: true })
rmSync(staging, { recursive: true, force: true })
const ncc = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
    'build',
    'src/lambda/handler.ts',
    '-o',
    staging,
    '--minify',
    '--license',
    'licenses.txt',
    '--quiet'
  ],
  { cwd: root, stdio: 'inherit' }
)
if (ncc.status !== 0) {
  console.error('package:lambda: ncc failed (see above).')
  process.exit(1)
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path) : [path]
  })
}

// ncc writes package.json {"type":"module"} next to index.js, which makes the runtime load it as ESM.
const files = filesUnder(staging)
  .map((path) => relative(staging, path).split('\\').join('/'))
  .sort()
for (const required of ['index.js', 'package.json']) {
  if (!files.includes(required)) {
    console.error(`package:lambda: ncc did not write ${required}; the zip would not load.`)
    process.exit(1)
  }
}

const zip = new yazl.ZipFile()
for (const name of files) zip.addBuffer(readFileSync(join(staging, name)), name, { mtime: FIXED_DATE, mode: 0o100644, compress: true })
zip.end()
const partial = `${zipFile}.${process.pid}`
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(partial)).on('close', resolve).on('error', reject)
})
renameSync(partial, zipFile)
rmSync(out, { recursive: true, force: true })
try {
  renameSync(staging, out)
} catch {
  // Another build renamed its own copy first; both came from the same source.
  rmSync(staging, { recursive: true, force: true })
}
console.log(`package:lambda: ${relative(root, zipFile)} (${files.length} files; handler index.handler)`)
