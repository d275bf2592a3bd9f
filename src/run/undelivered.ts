/** Series Datadog finally refused are never simply dropped: they are saved as a body that can be re-sent. */
import { payloadOf } from '../datadog/series.js'
import type { Series } from '../model.js'
import { writePrivateFile, type Written } from './private-file.js'

/** Writes the series as a POST /api/v2/series body to a new private file in `dir`, or says why it could not. */
export function saveUndelivered(series: Series[], dir: string): Written {
  return writePrivateFile(dir, 'twitter-stats-undelivered', payloadOf(series))
}

/** Where this run sent its series: the site's API host, or the proxy named in datadog-site, with the series path. */
export function seriesUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/series`
}

/**
 * What to tell a user about the saved file, with a command that works when pasted: `where` names how
 * they find the file again (an output, a path), `baseUrl` is the run's Datadog base URL (config.datadog.baseUrl).
 */
export function undeliveredMessage(count: number, file: string, where: string, baseUrl: string): string {
  return `${count} series were not delivered. They are saved in ${file}${where} as a POST /api/v2/series body; re-send them within an hour, for example: curl -X POST "${seriesUrl(baseUrl)}" -H "Content-Type: application/json" -H "DD-API-KEY: $DATADOG_API_KEY" --data @${file}`
}

/** What to tell a user when the file could not be written: `where` says where the body was printed instead. */
export function unsavedMessage(count: number, problem: string, where: string, baseUrl: string): string {
  return `${count} series were not delivered, and could not be saved in a file (${problem}). The POST /api/v2/series body to re-send them is ${where}; save it as undelivered.json and re-send it within an hour, for example: curl -X POST "${seriesUrl(baseUrl)}" -H "Content-Type: application/json" -H "DD-API-KEY: $DATADOG_API_KEY" --data @undelivered.json`
}
