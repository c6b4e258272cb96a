/**
 * The dashboard's charts, with ECharts. Only the parts used are imported (the core, four chart
 * types, three components, the canvas renderer: ~1/3 of the full library), and the dashboard
 * loads this module with a dynamic import, so esbuild's splitting keeps it in a chunk of its own
 * out of the main bundle (ui/build.mjs).
 */
import * as echarts from 'echarts/core'
import { BarChart, LineChart, TreemapChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { EChartsCoreOption } from 'echarts/core'

echarts.use([BarChart, LineChart, TreemapChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

const narrow = () => window.innerWidth < 640
const COLORS = ['#1565c0', '#2e7d32', '#b3261e', '#b26a00', '#6a1b9a', '#00838f', '#5d4037']
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", system-ui, sans-serif'

/**
 * Draws `option` into `el` and keeps it sized to its box (phones rotate, sidebars fold). The
 * chart is disposed of when its element leaves the page.
 */
export function mountChart(el: HTMLElement, option: EChartsCoreOption): void {
  const chart = echarts.init(el, undefined, { renderer: 'canvas' })
  chart.setOption({ color: COLORS, textStyle: { fontFamily: FONT }, animation: false, ...option })
  const ro = new ResizeObserver(() => {
    if (!el.isConnected) {
      ro.disconnect()
      chart.dispose()
      return
    }
    chart.resize()
  })
  ro.observe(el)
}

export interface Series {
  name: string
  type: 'line' | 'bar'
  data: (number | null)[]
  percent?: boolean
  yAxisIndex?: number
}

/** Months on the x axis; counts as bars or lines, rates (0..1) as lines on a 0–100 % axis. */
export function monthsOption(months: string[], series: Series[], opts: { rates?: boolean; counts?: boolean } = {}): EChartsCoreOption {
  const small = narrow()
  const yAxis: object[] = []
  if (opts.counts !== false) yAxis.push({ type: 'value', minInterval: 1, axisLabel: { fontSize: 11 } })
  if (opts.rates)
    yAxis.push({
      type: 'value',
      min: 0,
      max: 1,
      axisLabel: { fontSize: 11, formatter: (v: number) => `${Math.round(v * 100)}%` },
      splitLine: { show: opts.counts === false },
    })
  return {
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: number | null) => (v == null ? '—' : Number.isInteger(v) ? String(v) : `${(v * 100).toFixed(1)}%`),
    },
    legend: { top: 0, textStyle: { fontSize: small ? 11 : 12 }, itemWidth: small ? 14 : 20 },
    grid: { left: 8, right: 8, top: small ? 48 : 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: months.map((m) => (small ? m.slice(5) : m.slice(2))), axisLabel: { fontSize: 11 } },
    yAxis,
    series: series.map((s) => ({
      name: s.name,
      type: s.type,
      data: s.data,
      yAxisIndex: s.yAxisIndex ?? (s.percent && opts.counts !== false ? 1 : 0),
      connectNulls: false,
      symbolSize: 5,
      barMaxWidth: 18,
    })),
  }
}

/** Horizontal bars, largest on top (categories, ageing). */
export function barsOption(items: { label: string; value: number; color?: string }[], name: string): EChartsCoreOption {
  const rows = [...items].reverse()
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 11 } },
    yAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { fontSize: 11, width: narrow() ? 90 : 140, overflow: 'truncate' } },
    series: [
      {
        name,
        type: 'bar',
        data: rows.map((r) => (r.color ? { value: r.value, itemStyle: { color: r.color } } : r.value)),
        barMaxWidth: 18,
        label: { show: true, position: 'right', fontSize: 11 },
      },
    ],
  }
}

/** A treemap of areas: each box's size is its count; the label names it with the count. */
export function treemapOption(items: { label: string; value: number; children?: { label: string; value: number }[] }[], name: string): EChartsCoreOption {
  const node = (i: { label: string; value: number; children?: { label: string; value: number }[] }): object => ({
    name: i.label,
    value: i.value,
    ...(i.children?.length && { children: i.children.map(node) }),
  })
  return {
    tooltip: { formatter: (p: { name: string; value: number }) => `${p.name}: ${p.value}` },
    series: [
      {
        name,
        type: 'treemap',
        data: items.map(node),
        roam: false,
        nodeClick: false,
        breadcrumb: { show: false },
        top: 4,
        left: 4,
        right: 4,
        bottom: 4,
        label: { show: true, formatter: '{b}\n{c}', fontSize: 12 },
        upperLabel: { show: true, height: 20, fontSize: 12 },
        levels: [
          { itemStyle: { borderColor: '#fff', borderWidth: 2, gapWidth: 2 } },
          { itemStyle: { borderColor: '#fff', borderWidth: 1, gapWidth: 1 }, colorSaturation: [0.35, 0.6] },
        ],
      },
    ],
  }
}
