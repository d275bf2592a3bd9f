/** The README's screenshot-free preview of the dashboard: one Markdown row per widget (used by tests only). */

type Widget = { definition: Record<string, unknown> }

/** The metric queries of a dashboard's widgets, in order, with group titles: the README preview. */
export function widgetRows(dashboard: { widgets: unknown[] }): { widget: string; type: string; query: string }[] {
  const rows: { widget: string; type: string; query: string }[] = []
  const walk = (widgets: unknown[], path: string): void => {
    for (const widget of widgets as Widget[]) {
      const d = widget.definition as { type: string; title?: string; widgets?: unknown[]; requests?: { q?: string }[] }
      const title = path ? `${path} › ${d.title ?? ''}` : (d.title ?? '')
      if (d.type === 'group') walk(d.widgets ?? [], d.title ?? '')
      else rows.push({ widget: title, type: d.type, query: (d.requests ?? []).map((r) => r.q ?? '').join('; ') })
    }
  }
  walk(dashboard.widgets, '')
  return rows
}

/** The README's screenshot-free preview: one Markdown row per widget. */
export function widgetTable(dashboard: { widgets: unknown[] }): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|')
  const lines = ['| widget | type | query |', '|---|---|---|']
  for (const row of widgetRows(dashboard)) lines.push(`| ${escape(row.widget)} | \`${row.type}\` | \`${escape(row.query)}\` |`)
  return lines.join('\n')
}
