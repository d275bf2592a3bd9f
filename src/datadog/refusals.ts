/** What a user reads when Datadog refuses: the status explained, Datadog's own words quoted, and what to do. */

import { oneLine, quoteValue } from '../text/foreign-text.js'

type Mask = (text: string) => string
const unmasked: Mask = (text) => text

/**
 * The errors array of a Datadog error body, as text; nothing for a body that is not Datadog's JSON (an
 * HTML page). Masked before it is cut short, so no piece of a key Datadog echoed survives the cut.
 */
export function datadogErrors(body: unknown, mask: Mask = unmasked): string {
  let parsed = body
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body)
    } catch {
      return ''
    }
  }
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { errors?: unknown }).errors)) {
    const errors = (parsed as { errors: unknown[] }).errors.slice(0, 20)
    // Any shape at all: a string is quoted, anything else described (a nested array is never walked).
    return oneLine(mask(errors.map((e) => (typeof e === 'string' ? e : quoteValue(e))).join('; ')), 300)
  }
  return ''
}

/** ` Datadog said: "…".` from an error body, or nothing: the one way every Datadog message quotes Datadog. */
export function saidDetail(body: unknown, mask: Mask = unmasked): string {
  const said = datadogErrors(body, mask)
  return said ? ` Datadog said: "${said}".` : ''
}

/** A message a user can act on for each refusal. */
export function describeRefusal(status: number, body: unknown, site: string, mask: Mask = unmasked): string {
  const detail = saidDetail(body, mask)
  switch (status) {
    case 400:
      return `Datadog rejected the series as malformed (400 Bad Request).${detail} Check metric-prefix and tags; if they look right, report this as a bug.`
    case 401:
    case 403:
      return `Datadog refused the API key (${status}): it is not a valid API key for ${site}.${detail} Check datadog-api-key, and set datadog-site to the site your organisation uses (for example datadoghq.eu or us5.datadoghq.com).`
    case 413:
      return `Datadog refused a payload as too large (413) even after splitting it to a single series.${detail}`
    default:
      return `Datadog answered ${status} after all retries.${detail}`
  }
}
/**
 * A 2xx whose `errors` array is not empty. Datadog's spec answers 202 with `{"errors": []}`; errors in a 2xx mean it
 * took the request but not necessarily every point, and it does not say which, so the series are kept to be re-sent.
 */
export function describeAcceptedWithErrors(status: number, body: unknown, count: number): string {
  return `Datadog answered ${status} to a request of ${count} series but reported errors in it, so they are not counted as delivered.${saidDetail(body)} They are kept with any not yet sent; re-sending is safe, since a gauge point sent again replaces itself.`
}

/** A 2xx whose body is not Datadog's acceptance: a proxy or portal answered, and nothing says Datadog has the series. */
export function describeUnconfirmed(status: number, site: string, json = false): string {
  const body = json ? `JSON that is not Datadog's acceptance ({"errors": []})` : "a body that is not Datadog's JSON"
  return `The Datadog address for ${site} answered ${status} with ${body} (a proxy or a login page?), so nothing confirms the series arrived; they are kept. Check datadog-site and any proxy between this runner and Datadog.`
}

/** What each call is for and the permission it needs, for messages. */
export interface ApiCall {
  /** For example "update the dashboard". */
  action: string
  permission: string
}

/** A message a user can act on for a refused v1 call; 403 names the permission to grant. */
export function describeApiRefusal(status: number, body: unknown, site: string, call: ApiCall, mask: Mask = unmasked): string {
  const detail = saidDetail(body, mask)
  switch (status) {
    case 401:
      return `Datadog refused to ${call.action} (401): the API key is not valid for ${site}.${detail} Check datadog-api-key and datadog-site.`
    case 403:
      return `Datadog refused to ${call.action} (403 Forbidden): the application key in datadog-app-key lacks the \`${call.permission}\` permission, or is not an application key of this organisation on ${site}.${detail} Give the key's user or service account a role with \`${call.permission}\`, or scope the key to include it.`
    case 400:
      return `Datadog rejected the request to ${call.action} as malformed (400).${detail} Please report this as a bug with the log.`
    default:
      return `Datadog answered ${status} when asked to ${call.action}, after all retries.${detail}`
  }
}
