/** The text behind the summary's HTML: the entities `forHtml` (src/text/foreign-text.ts) writes, decoded back. */
export function decodeEntities(html: string): string {
  return html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
