/**
 * Datadog sites: the one place a `datadog-site` setting becomes a host, for the API and for links.
 * A typo must never send the API key to a stranger's host, so only the published sites are accepted
 * by name; anything else is a full URL (a proxy), checked like every other URL setting.
 */
import { ConfigError, quote } from '../text/errors.js'
import { nearest } from '../text/nearest.js'

/** The site parameters Datadog publishes (docs.datadoghq.com/getting_started/site): US1, US3, US5, EU1, AP1, AP2, US1-FED, US2-FED. */
export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com'
] as const
export type DatadogSite = (typeof DATADOG_SITES)[number]

/** True when the setting is a URL (a proxy) rather than a site name. */
export function isSiteUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
}

/**
 * The known site a setting names, case-insensitively, with or without the `app.`/`api.` a user copies from a
 * browser. Anything else is refused with the nearest site suggested.
 */
export function knownSite(value: string): DatadogSite {
  const name = value
    .trim()
    .toLowerCase()
    .replace(/^(?:app|api)\./, '')
  const site = DATADOG_SITES.find((s) => s === name)
  if (site) return site
  throw new ConfigError([
    `\`datadog-site\` ${quote(value)} is not a Datadog site. Did you mean "${nearest(name, DATADOG_SITES)}"? Known sites: ${DATADOG_SITES.join(', ')}; or give a full https:// URL (a proxy).`
  ])
}

/** Where the API of a site answers: https://api.<site>. */
export function siteApiUrl(site: DatadogSite): string {
  return `https://api.${site}`
}

/** Where people open a site in a browser: app.<site> for US1, EU1 and US1-FED, the site itself for the regional ones. */
export function siteAppUrl(site: DatadogSite): string {
  return `https://${site.split('.').length > 2 ? site : `app.${site}`}`
}

/** The web address of a path in Datadog's app (a dashboard's, /monitors/<id>), for the log: app.<site> or <region>.<site>. */
export function appLink(site: string, path: string): string {
  if (isSiteUrl(site) || !path.startsWith('/')) return path
  return `${siteAppUrl(knownSite(site))}${path}`
}
