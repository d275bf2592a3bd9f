/**
 * Checks a request body against Datadog's own models: the OpenAPI-generated ObjectSerializer of the official client
 * (@datadog/datadog-api-client, a devDependency only), so the contract is checked by Datadog's code, not only ours.
 */
import type { v1 } from '@datadog/datadog-api-client'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

export type ModelName = { v1: 'Dashboard' | 'Monitor' | 'MonitorUpdateRequest' | 'MetricMetadata'; v2: 'MetricPayload' }

type Serializer = Pick<typeof v1.ObjectSerializer, 'serialize' | 'deserialize'>

/**
 * The package's own ObjectSerializer, its code unchanged, with each model module loaded when the serializer first
 * reaches for it: its module requires every model up front (some 6,000 for v2, 3 s of CPU per test file under
 * jest), where a contract check uses a few dozen. A model is a class with static type maps and no imports.
 */
function serializerOf(version: 'v1' | 'v2'): Serializer {
  const file = createRequire(import.meta.url).resolve(`@datadog/datadog-api-client/dist/packages/datadog-api-client-${version}/models/ObjectSerializer.js`)
  const load = createRequire(file)
  const requireLazily = (id: string): unknown => (id.startsWith('./') ? lazyModule(() => load(id) as Record<string, unknown>) : load(id))
  const module = { exports: {} as { ObjectSerializer?: Serializer } }
  // The module's own text, run as Node runs a CommonJS module, only with the require above.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('exports', 'require', 'module', readFileSync(file, 'utf8')) as (...args: unknown[]) => void
  run(module.exports, requireLazily, module)
  if (!module.exports.ObjectSerializer) throw new Error(`${file} no longer exports ObjectSerializer`)
  return module.exports.ObjectSerializer
}

/** A model module whose exports (the model class) load on first use. */
function lazyModule(load: () => Record<string, unknown>): object {
  let exports: Record<string, unknown> | undefined
  const real = (): Record<string, unknown> => (exports ??= load())
  return new Proxy({}, { get: (_, name) => (typeof name === 'string' ? lazyValue(() => real()[name]) : undefined) })
}

/** Stands for a model class until the serializer touches it (its type map, `new`), then is that class. */
function lazyValue(load: () => unknown): unknown {
  let value: object | undefined
  const real = (): object => {
    value ??= load() as object
    if (typeof value !== 'function') throw new Error('a model module did not export its class under its own name')
    return value
  }
  return new Proxy(function model() {}, {
    get: (_, key) => Reflect.get(real(), key) as unknown,
    has: (_, key) => Reflect.has(real(), key),
    construct: (_, args) => Reflect.construct(real() as new (...args: unknown[]) => object, args),
    getPrototypeOf: () => Reflect.getPrototypeOf(real())
  })
}

const serializers = { v1: serializerOf('v1'), v2: serializerOf('v2') }

/** Where the models found values they could not read (unknown enum values, no or several oneOf matches) or unknown fields. */
function unreadable(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => unreadable(item, `${path}[${i}]`))
  if (value === null || typeof value !== 'object' || value instanceof Date) return []
  const record = value as Record<string, unknown>
  if (value.constructor?.name === 'UnparsedObject') return [`${path}: ${JSON.stringify(record._data)} is not a value the model allows`]
  const here: string[] = []
  if (record.additionalProperties !== undefined) here.push(`${path}: unknown field(s) ${Object.keys(record.additionalProperties as object).join(', ')}`)
  return [
    ...here,
    ...Object.entries(record)
      .filter(([key]) => key !== 'additionalProperties' && key !== '_unparsed')
      .flatMap(([key, v]) => unreadable(v, `${path}.${key}`))
  ]
}

/**
 * Every problem Datadog's models find in `body` as a `model`: a missing required field or a value of the wrong type
 * (the serializer throws), an unknown enum value or widget type, an unknown field, or anything the round trip
 * through the models changes. Empty when the body is valid.
 */
export function contractProblems<V extends keyof ModelName>(version: V, model: ModelName[V], body: unknown): string[] {
  // The same body gets the same answer: the models are pure functions of it (a dashboard takes some 100 ms). A field
  // set to undefined, which the models read as an unknown field, stays apart from a missing one.
  const key = `${version} ${model} ${JSON.stringify(body, (_key, v: unknown) => (v === undefined ? UNDEFINED : v))}`
  const known = checked.get(key)
  if (known) return [...known]
  // The serializer tries every type of a oneOf and throws on each mismatch: without stack traces, which no problem
  // reads (only the message), a dashboard's check takes a third of the time.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    const problems = problemsOf(serializers[version], model, body)
    checked.set(key, problems)
    return [...problems]
  } finally {
    Error.stackTraceLimit = limit
  }
}

const checked = new Map<string, readonly string[]>()
const UNDEFINED = Symbol('undefined').toString()

function problemsOf(serializer: Serializer, model: string, body: unknown): string[] {
  let parsed: unknown
  try {
    parsed = serializer.deserialize(body, model, '')
  } catch (error) {
    return [`${model}: ${error instanceof Error ? error.message : String(error)}`]
  }
  const problems = unreadable(parsed, model)
  if (problems.length > 0) return problems
  let again: unknown
  try {
    again = JSON.parse(JSON.stringify(serializer.serialize(parsed, model, '')))
  } catch (error) {
    return [`${model} (serialising): ${error instanceof Error ? error.message : String(error)}`]
  }
  return canonical(again) === canonical(body) ? [] : [`${model}: the round trip through the models changed the body`]
}

/** JSON with keys sorted, so two bodies compare equal whatever order their fields were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v
  )
}
