// The throughput chart: uPlot (vendor/uPlot.iife.min.js, MIT, ~50 kB), loaded only by the pages
// that chart, from the package like every asset.
import { h } from './dom.js';

let loading;

function loadUplot() {
  loading ??= new Promise((resolve, reject) => {
    const here = new URL('.', import.meta.url);
    document.head.append(h('link', { rel: 'stylesheet', href: new URL('vendor/uPlot.min.css', here).href }));
    const script = h('script', { src: new URL('vendor/uPlot.iife.min.js', here).href });
    script.addEventListener('load', () => resolve(window.uPlot));
    script.addEventListener('error', () => reject(new Error('The chart library did not load.')));
    document.head.append(script);
  });
  return loading;
}

/** Colours from the stylesheet (light or dark), so the chart follows prefers-color-scheme. */
function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || 'gray';
}

/**
 * Draws `points` ([{ t, completed, failed }], t in ms) in `container`, replacing any chart it had;
 * the container's size is reserved by the stylesheet, so drawing moves nothing else.
 */
export async function drawThroughput(container, points) {
  const uPlot = await loadUplot();
  const width = Math.max(240, container.clientWidth);
  const data = [points.map((point) => point.t / 1000), points.map((point) => point.completed ?? 0), points.map((point) => point.failed ?? 0)];
  const options = {
    width,
    height: 160,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { stroke: colour('--muted'), grid: { stroke: colour('--grid') }, ticks: { stroke: colour('--grid') } },
      { stroke: colour('--muted'), grid: { stroke: colour('--grid') }, ticks: { stroke: colour('--grid') }, size: 48 },
    ],
    series: [
      {},
      { label: 'completed / min', stroke: colour('--ok'), width: 2 },
      { label: 'failed / min', stroke: colour('--bad'), width: 2 },
    ],
  };
  container.chart?.destroy();
  container.replaceChildren();
  container.chart = new uPlot(options, data, container);
}
