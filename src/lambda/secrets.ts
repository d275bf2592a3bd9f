/**
 * The Lambda's secrets, from AWS Secrets Manager. The AWS SDK stays in this file. It is bundled into
 * the zip (not taken from the runtime), and it honours AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER, so tests point it at a local emulator.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { readSettings, SETTINGS, type RawSettings } from '../config/settings.js'
import { ConfigError, messageOf, quote } from '../text/errors.js'

/** The names a secret may hold: the secret settings' environment variable names. */
export const SECRET_NAMES: readonly string[] = SETTINGS.filter((spec) => spec.secret).map((spec) => spec.env)

/** Reads the secret string of one secret. */
export type FetchSecret = (secretId: string) => Promise<string>

/**
 * Pure: the secret's JSON text → settings. Only the secret settings' names are accepted, so a typo
 * is reported by name instead of surfacing later as "credentials are missing". Values are never
 * quoted in an error.
 */
export function parseSecretSettings(text: string, secretId: string): RawSettings {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError([`the secret ${quote(secretId)} is not JSON: store an object such as {"X_BEARER_TOKEN": "…", "DATADOG_API_KEY": "…"}.`])
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`the secret ${quote(secretId)} must be a JSON object keyed by ${SECRET_NAMES.join(', ')}.`])
  }
  const entries = Object.entries(parsed as Record<string, unknown>)
  const problems: string[] = []
  const unknown = entries.map(([key]) => key).filter((key) => !SECRET_NAMES.includes(key))
  if (unknown.length > 0) {
    problems.push(
      `the secret ${quote(secretId)} has keys that are not secret settings: ${unknown.map((k) => quote(k, 40)).join(', ')}. Use only ${SECRET_NAMES.join(', ')}; other settings are environment variables.`
    )
  }
  const notText = entries.filter(([key, value]) => SECRET_NAMES.includes(key) && typeof value !== 'string').map(([key]) => key)
  if (notText.length > 0) problems.push(`in the secret ${quote(secretId)}, ${notText.join(', ')} must be text (a JSON string).`)
  if (problems.length > 0) throw new ConfigError(problems)
  const values = parsed as Record<string, string>
  return readSettings((spec) => (spec.secret ? values[spec.env] : undefined))
}

/** Explains why Secrets Manager refused, without the SDK's stack; AWS error messages carry no secret value. */
export function describeSecretError(error: unknown, secretId: string): string {
  const name = error instanceof Error ? error.name : 'Error'
  const message = messageOf(error)
  switch (name) {
    case 'ResourceNotFoundException':
      return `the secret ${quote(secretId)} (SECRET_ID) was not found: check its name or ARN and that it is in the function's region.`
    case 'AccessDeniedException':
      return `the function may not read the secret ${quote(secretId)} (SECRET_ID): its role needs secretsmanager:GetSecretValue on that secret. AWS said: ${message}`
    case 'DecryptionFailure':
      return `the secret ${quote(secretId)} (SECRET_ID) could not be decrypted: the function's role needs kms:Decrypt on the secret's KMS key.`
    default:
      return `reading the secret ${quote(secretId)} (SECRET_ID) from Secrets Manager failed (${name}): ${message}`
  }
}

/** Reads a secret string with the SDK's default credentials, region and endpoint. */
export const fetchSecretFromAws: FetchSecret = async (secretId) => {
  const client = new SecretsManagerClient({})
  try {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }))
    if (result.SecretString === undefined) {
      throw new ConfigError([`the secret ${quote(secretId)} (SECRET_ID) has no text value (a binary secret?): store a JSON object as the secret string.`])
    }
    return result.SecretString
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError([describeSecretError(error, secretId)])
  } finally {
    client.destroy()
  }
}
