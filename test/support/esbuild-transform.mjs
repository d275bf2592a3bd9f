/**
 * jest's transform for TypeScript: esbuild strips the types of one file at a time, as `isolatedModules` in
 * tsconfig.json already requires every file to allow. Type checking is `npm run typecheck` (tsc), not the tests'.
 * ts-jest did the same with TypeScript's own transpiler, which cost each worker some 0.6 s of CPU to load and
 * 4 s to transpile the project on a cold cache; esbuild does it in a fraction of a second (docs/benchmarks.md).
 * Plain JavaScript: jest loads its transformers without a transform.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { transformSync, version } from 'esbuild'

const SELF = readFileSync(new URL(import.meta.url), 'utf8')

export default {
  canInstrument: false,
  /** The file, its path, this transform and esbuild's version: a change to any of them transforms the file again. */
  getCacheKey(source, path, options) {
    return createHash('sha256')
      .update(source)
      .update('\0')
      .update(path)
      .update('\0')
      .update(options.configString)
      .update('\0')
      .update(String(options.supportsStaticESM))
      .update(SELF)
      .update(version)
      .digest('hex')
  },
  process(source, path, options) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: options.supportsStaticESM ? 'esm' : 'cjs',
      target: 'node20',
      sourcefile: path,
      // Stack traces point at the TypeScript lines.
      sourcemap: 'external',
      // As tsc compiles them for ES2022 (tsconfig.json): class fields are defined, unused imports elided.
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } }
    })
    return { code, map }
  }
}
