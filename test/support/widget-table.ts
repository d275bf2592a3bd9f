/** docs/dashboard-and-monitors.md's screenshot-free preview of the dashboard: one Markdown row per widget (used by tests only). */

type Widget = { definition: Record<string, unknown> }
type Query = { name?: string; query?: string; aggregator?: string }
type Formula = { formula?: string; limit?: { count?: number; order?: string } }
type Request = { queries?: Query[]; formulas?: Formula[] }

export interface WidgetRow {
  widget: string
  type: string
  /** The metric queries, in order, joined by "; ". */
  query: string
  /** How each query is reduced to one value ("last"), where a widget shows one value per group. */
  aggregator: string
  /** The formulas over the queries, with any top-N limit. */
  formula: string
}

function formulaText(formula: Formula): string {
  const limit = formula.limit ? ` (top ${formula.limit.count} ${formula.limit.order})` : ''
  return `${formula.formula ?? ''}${limit}`
}

/** The queries and formulas of a dashboard's widgets, in order, with group titles: the preview in docs/dashboard-and-monitors.md. */
export function widgetRows(dashboard: { widgets: unknown[] }): WidgetRow[] {
  const rows: WidgetRow[] = []
  const walk = (widgets: unknown[], path: string): void => {
    for (const widget of widgets as Widget[]) {
      const d = widget.definition as { type: string; title?: string; widgets?: unknown[]; requests?: Request[] }
      const title = path ? `${path} › ${d.title ?? ''}` : (d.title ?? '')
      if (d.type === 'group') {
        walk(d.widgets ?? [], d.title ?? '')
        continue
      }
      const requests = d.requests ?? []
      const queries = requests.flatMap((r) => r.queries ?? [])
      rows.push({
        widget: title,
        type: d.type,
        query: queries.map((q) => q.query ?? '').join('; '),
        aggregator: [...new Set(queries.map((q) => q.aggregator ?? ''))].filter(Boolean).join(', '),
        formula: requests
          .flatMap((r) => r.formulas ?? [])
          .map(formulaText)
          .join(', ')
      })
    }
  }
  walk(dashboard.widgets, '')
  return rows
}

/** The screenshot-free preview in docs/dashboard-and-monitors.md: one Markdown row per widget. */
export function widgetTable(dashboard: { widgets: unknown[] }): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|')
  const code = (text: string): string => (text ? `\`${escape(text)}\`` : '')
  const lines = ['| widget | type | query (`query1`) | reduced to | formula |', '|---|---|---|---|---|']
  for (const row of widgetRows(dashboard)) {
    lines.push(`| ${escape(row.widget)} | \`${row.type}\` | ${code(row.query)} | ${escape(row.aggregator)} | ${code(row.formula)} |`)
  }
  return lines.join('\n')
}
