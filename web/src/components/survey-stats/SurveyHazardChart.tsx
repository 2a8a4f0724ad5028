// A bar chart of the houses surveyed and those with a hazard per group of the survey figures.
// Loaded lazily by the panel, so ECharts stays out of the survey view's chunk.
import { useMemo } from 'react'
import { Chart } from '../../charts/Chart.tsx'
import type { ChartOption } from '../../charts/echarts.ts'
import { SERIES } from '../../charts/palette.ts'

export interface SurveyHazardChartProps {
  labels: string[]
  surveyed: number[]
  hazards: number[]
  names: { surveyed: string; hazards: string }
}

export default function SurveyHazardChart({ labels, surveyed, hazards, names }: SurveyHazardChartProps) {
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 44, right: 12, top: 30, bottom: labels.length > 6 ? 70 : 30 },
      xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 6 ? 40 : 0, fontSize: 11, interval: 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { type: 'bar', name: names.surveyed, data: surveyed, itemStyle: { color: SERIES.actual }, barMaxWidth: 28 },
        { type: 'bar', name: names.hazards, data: hazards, itemStyle: { color: SERIES.plan }, barMaxWidth: 28 },
      ],
    }),
    [labels, surveyed, hazards, names],
  )
  return <Chart option={option} height={220} testId="survey-stats-chart" />
}
