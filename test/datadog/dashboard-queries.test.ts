/**
 * The dashboard and monitors as Datadog's spec asks today: widgets with `queries` and `formulas` (the request's `q`
 * is deprecated), a no-data timeframe of at least twice the monitor's window, and the provisioning comparison still
 * recognising the dashboard Datadog returns.
 */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dashboardDefinition } from '../../src/datadog/definitions.js'
import { monitorDefinitions } from '../../src/datadog/monitor-definitions.js'
import { includes } from '../../src/datadog/includes.js'
import { ROOT } from '../support/root.mjs'

type Request = Record<string, unknown> & {
  queries?: { name: string; data_source: string; query: string; aggregator?: string }[]
  formulas?: { formula: string; limit?: { count: number; order: string } }[]
}
type Definition = { type: string; requests?: Request[]; widgets?: { definition: Definition }[] }

/** Every widget definition that is not a group, with its requests. */
function leaves(widgets: { definition: Definition }[]): Definition[] {
  return widgets.flatMap((w) => (w.definition.type === 'group' ? leaves(w.definition.widgets ?? []) : [w.definition]))
}

const generated = dashboardDefinition('twitter')
const committed = JSON.parse(readFileSync(join(ROOT, 'docs', 'dashboard.json'), 'utf8')) as typeof generated

describe('every widget asks with queries and formulas', () => {
  test.each([
    ['the generated dashboard', generated],
    ['docs/dashboard.json', committed]
  ])('%s: no request uses q; each has metric queries, formulas over them only, and the response format of its widget', (_name, dashboard) => {
    const widgets = leaves(dashboard.widgets as { definition: Definition }[])
    expect(widgets.length).toBe(15)
    for (const widget of widgets) {
      expect(widget.requests).toHaveLength(1)
      const request = widget.requests![0]!
      expect(Object.keys(request)).not.toContain('q')
      const names = request.queries!.map((q) => q.name)
      expect(names.length).toBeGreaterThan(0)
      expect(new Set(names).size).toBe(names.length)
      expect(request.queries!.every((q) => q.data_source === 'metrics' && q.query.length > 0)).toBe(true)
      expect(request.formulas!.length).toBeGreaterThan(0)
      for (const { formula } of request.formulas!) {
        const used = formula.match(/query\d+/g) ?? []
        expect([formula, used.length > 0 && used.every((name) => names.includes(name))]).toEqual([formula, true])
      }
      expect(request.response_format).toBe(widget.type === 'timeseries' ? 'timeseries' : 'scalar')
      // A widget that shows one number per group reduces each query to its last value.
      if (widget.type !== 'timeseries') expect(request.queries!.every((q) => q.aggregator === 'last')).toBe(true)
    }
    expect(JSON.stringify(dashboard)).not.toMatch(/"q":/)
  })

  test('a change widget compares the query with itself shifted by the period it names', () => {
    const changes = leaves(generated.widgets as { definition: Definition }[]).filter((w) => w.type === 'change')
    expect(changes.map((w) => w.requests![0]!.compare_to)).toEqual(['day_before', 'week_before', 'month_before', 'day_before', 'week_before'])
    for (const widget of changes) {
      const request = widget.requests![0]!
      expect(request.formulas).toEqual([{ formula: `${String(request.compare_to)}(query1)` }, { formula: 'query1' }])
    }
  })

  test('the top list keeps the 25 accounts with the most followers', () => {
    const [top] = leaves(generated.widgets as { definition: Definition }[]).filter((w) => w.type === 'toplist')
    expect(top!.requests![0]!.formulas).toEqual([{ formula: 'query1', limit: { count: 25, order: 'desc' } }])
    expect(top!.requests![0]!.queries![0]!.query).toBe('avg:twitter.followers_count{$account,$network} by {account}')
  })
})

describe('the collection-stopped monitor', () => {
  test("waits at least twice its window before alerting on no data, as Datadog's monitor spec recommends", () => {
    for (const monitor of [
      monitorDefinitions('twitter')['collection-stopped'],
      JSON.parse(readFileSync(join(ROOT, 'docs', 'monitors', 'collection-stopped.json'), 'utf8')) as Record<string, unknown>
    ]) {
      const window = Number(/^max\(last_(\d+)m\):/.exec(String(monitor.query))?.[1])
      expect(window).toBe(30)
      const options = monitor.options as { notify_no_data: boolean; no_data_timeframe: number }
      expect(options.notify_no_data).toBe(true)
      expect(options.no_data_timeframe).toBeGreaterThanOrEqual(2 * window)
      expect(String(monitor.message)).toContain(`nothing at all for ${options.no_data_timeframe}`)
    }
  })
})

describe('includes() with the new request shapes', () => {
  /** The dashboard as Datadog's GET returns it: ids, layouts and display defaults added to what was sent. */
  function asDatadogReturnsIt(dashboard: typeof generated): unknown {
    let id = 1
    const decorate = (widgets: { definition: Definition }[]): unknown[] =>
      widgets.map((w) => ({
        id: id++,
        layout: { x: 0, y: 0, width: 4, height: 2 },
        definition: {
          ...w.definition,
          title_size: '16',
          title_align: 'left',
          ...(w.definition.widgets ? { widgets: decorate(w.definition.widgets) } : {}),
          ...(w.definition.requests
            ? {
                requests: w.definition.requests.map((r) => ({
                  ...r,
                  ...(w.definition.type === 'timeseries' ? { style: { palette: 'dog_classic', line_type: 'solid', line_width: 'normal' } } : {})
                }))
              }
            : {})
        }
      }))
    return { ...dashboard, id: 'abc-def-ghi', url: '/dashboard/abc-def-ghi/x', author_handle: 'a@example.com', widgets: decorate(dashboard.widgets as never) }
  }

  test('the dashboard Datadog returns counts as unchanged; a changed formula, query, limit or a formula less does not', () => {
    expect(includes(asDatadogReturnsIt(generated), generated)).toBe(true)
    const edited = (edit: (widgets: { definition: Definition }[]) => void): unknown => {
      const copy = structuredClone(generated)
      edit(copy.widgets as { definition: Definition }[])
      return asDatadogReturnsIt(copy)
    }
    const first = (widgets: { definition: Definition }[], type: string): Request => leaves(widgets).find((w) => w.type === type)!.requests![0]!
    expect(
      includes(
        edited((w) => (first(w, 'change').formulas![0]!.formula = 'week_before(query1)')),
        generated
      )
    ).toBe(false)
    expect(
      includes(
        edited((w) => first(w, 'change').formulas!.pop()),
        generated
      )
    ).toBe(false)
    expect(
      includes(
        edited((w) => (first(w, 'timeseries').queries![0]!.query = 'avg:twitter.followers_count{*}')),
        generated
      )
    ).toBe(false)
    expect(
      includes(
        edited((w) => (first(w, 'toplist').formulas![0]!.limit!.count = 10)),
        generated
      )
    ).toBe(false)
    expect(
      includes(
        edited((w) => delete first(w, 'query_value').queries![0]!.aggregator),
        generated
      )
    ).toBe(false)
  })
})
