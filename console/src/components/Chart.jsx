// One Chart.js chart in a <figure>: the canvas is an image named by `label`, and `children` (a table of the same
// numbers) is the text every reader and test can use. Where there is no 2D canvas (jsdom) only the table shows.
import { useEffect, useRef } from "preact/hooks";
import { Chart } from "./chartjs.js";

// Colours with at least 3:1 contrast against white (WCAG AA for graphical objects).
export const COLOURS = ["#0645ad", "#b3261e", "#1e7b34", "#8a4b00", "#6a1b9a", "#00695c"];

export function ChartFigure({ type, labels, datasets, label, children, stacked = false }) {
  const canvas = useRef(null);
  useEffect(() => {
    const ctx = canvas.current && canvas.current.getContext && canvas.current.getContext("2d");
    if (!ctx) return undefined;
    const round = type === "doughnut";
    const chart = new Chart(ctx, {
      type,
      data: {
        labels,
        datasets: datasets.map((d, i) => ({
          ...d,
          backgroundColor: round ? labels.map((_, j) => COLOURS[j % COLOURS.length]) : COLOURS[i % COLOURS.length],
          borderColor: round ? "#fff" : COLOURS[i % COLOURS.length],
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: round ? {} : { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.destroy();
  }, [type, JSON.stringify(labels), JSON.stringify(datasets), stacked]);
  return (
    <figure class="chart">
      <figcaption>{label}</figcaption>
      <div class="chart-box"><canvas ref={canvas} role="img" aria-label={label} /></div>
      <details>
        <summary>{label}: table</summary>
        {children}
      </details>
    </figure>
  );
}
