/**
 * Checks a request body against Datadog's own models: the OpenAPI-generated ObjectSerializer of the official client
 * (@datadog/datadog-api-client, a devDependency only), so the contract is checked by Datadog's code, not only ours.
 */
import { v1, v2 } from '@datadog/datadog-api-client'

export type ModelName = { v1: 'Dashboard' | 'Monitor' | 'MetricMetadata'; v2: 'MetricPayload' }

const serializers = { v1: v1.ObjectSerializer, v2: v2.ObjectSerializer }

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
  const serializer = serializers[version]
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
