// npm run bundle: one ncc bundle for the action and the command line, its lazy chunks minified, and the
// command-line launcher dist/cli.js beside it (package.json bin).
// ncc's --minify only minifies the entry file; the chunks it splits off for dynamic imports (the Actions toolkit
// with its own undici, @actions/github) stay unminified: 1.39 MB of dist/ instead of 0.68 MB. Terser fixes that here.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { minify } from 'terser'

const dist = new URL('../dist/', import.meta.url)
// ncc leaves chunks of earlier builds in place; dist/ is generated, so start empty.
rmSync(dist, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [
    new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url).pathname,
    'build',
    'src/index.ts',
    '-o',
    'dist',
    '--minify',
    '--license',
    'licenses.txt'
  ],
  {
    cwd: new URL('..', import.meta.url),
    stdio: 'inherit'
  }
)

for (const name of readdirSync(dist).filter((file) => /^\d+\.index\.js$/.test(file))) {
  const file = new URL(name, dist)
  const source = readFileSync(file, 'utf8')
  const result = await minify(source, { module: true, compress: true, mangle: true })
  writeFileSync(file, result.code)
  console.log(`minified ${name}: ${source.length} -> ${result.code.length} bytes`)
}

copyFileSync(new URL('../scripts/cli-launcher.mjs', import.meta.url), new URL('cli.js', dist))
chmodSync(new URL('cli.js', dist), 0o755)
