// One ECharts chart in a div: made once, given a new option when it changes, resized with its
// box, disposed with the component. `onInstance` hands the chart out (the report reads its image).
import { useEffect, useRef } from 'react'
import { CHART_FONT, echarts, type ChartInstance, type ChartOption } from './echarts.ts'

export interface ChartProps {
  option: ChartOption
  height?: number
  testId?: string
  onInstance?(chart: ChartInstance | null): void
}

export function Chart({ option, height = 260, testId, onInstance }: ChartProps) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<ChartInstance | null>(null)
  const cb = useRef(onInstance)
  useEffect(() => {
    cb.current = onInstance
  })
  useEffect(() => {
    if (!el.current) return
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' })
    chart.current = c
    c.on('finished', () => {
      if (el.current) el.current.dataset.rendered = 'true'
    })
    cb.current?.(c)
    const resize = new ResizeObserver(() => c.resize())
    resize.observe(el.current)
    return () => {
      resize.disconnect()
      cb.current?.(null)
      c.dispose()
      chart.current = null
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption({ textStyle: { fontFamily: CHART_FONT }, animation: false, ...option }, { notMerge: true })
  }, [option])
  return <div ref={el} className="chart" style={{ height }} data-testid={testId} />
}
