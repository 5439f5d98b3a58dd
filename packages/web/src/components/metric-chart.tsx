import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine { label: string; values: ReadonlyArray<number | null>; color: string }

/**
 * One time-series graph (uPlot: small, fast, canvas). Redrawn when the data changes; follows the
 * width of its card. `format` labels the y axis and the legend.
 */
export function MetricChart({ title, timestamps, lines, format, testId }: {
  title: string; timestamps: readonly number[]; lines: readonly ChartLine[]; format: (v: number | null) => string; testId?: string;
}) {
  const box = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(240, el.clientWidth || 320);
    const plot = new uPlot({
      width, height: 160,
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, fill: `${l.color}22`, value: (_u: uPlot, v: number | null) => format(v) }))],
      axes: [{}, { values: (_u: uPlot, vals: number[]) => vals.map((v) => format(v)), size: 70 }],
      scales: { x: { time: true } },
      cursor: { drag: { x: false, y: false } },
      legend: { show: true },
    }, [[...timestamps], ...lines.map((l) => [...l.values])] as uPlot.AlignedData, el);
    const onResize = () => plot.setSize({ width: Math.max(240, el.clientWidth), height: 160 });
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); plot.destroy(); };
  }, [timestamps, lines, format]);
  const points = timestamps.length;
  return (
    <figure className="metric-chart" data-testid={testId ?? 'metric-chart'} data-points={points} aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
