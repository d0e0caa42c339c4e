// Small line charts drawn as SVG by hand: the 15 minutes of one-second
// points from GET /api/series. No chart library: these few lines do what
// the pages need, cost a few KB instead of Chart.js's 200, and follow the
// light or dark theme through CSS classes (s1..s6).

import {h} from './dom.js';
import {number} from './format.js';

const W = 640, H = 170, LEFT = 46, RIGHT = 6, TOP = 8, BOTTOM = 20;

// A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten.
function niceCeil(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

// chart({title, unit, window, series: [{name, values}]}) -> <figure>.
// Every series holds one value a second (null = no point) ending now;
// `window` is how many seconds the x axis spans.
export function chart({title, unit = '', window = 900, series}) {
  const length = Math.max(0, ...series.map((s) => s.values.length));
  let max = 0;
  for (const s of series) {
    for (const v of s.values) if (v !== null && v > max) max = v;
  }
  const top = niceCeil(max);
  const x = (i) => LEFT + ((window - length + i) / (window - 1)) * (W - LEFT - RIGHT);
  const y = (v) => TOP + (1 - v / top) * (H - TOP - BOTTOM);
  const lines = series.map((s, index) => {
    const runs = [];  // a null breaks the line
    let run = [];
    s.values.forEach((v, i) => {
      if (v === null) { if (run.length) runs.push(run); run = []; return; }
      run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (run.length) runs.push(run);
    return runs.map((points) => h('polyline', {
      class: `s${index + 1}`,
      points: points.length === 1 ? `${points[0]} ${points[0]}` : points.join(' ')}));
  });
  const latest = (s) => {
    for (let i = s.values.length - 1; i >= 0; i -= 1) {
      if (s.values[i] !== null) return s.values[i];
    }
    return null;
  };
  const summary = series.map((s) => `${s.name} ${number(latest(s))}${unit}`).join(', ');
  const minutes = Math.round(window / 60);
  const svg = h('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img',
                        'aria-label': `${title}, last ${minutes} minutes; now: ${summary}`},
    h('line', {class: 'axis', x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM}),
    h('line', {class: 'axis', x1: LEFT, y1: TOP, x2: LEFT, y2: H - BOTTOM}),
    h('text', {class: 'tick', x: LEFT - 4, y: TOP + 9, 'text-anchor': 'end'},
      `${number(top)}${unit}`),
    h('text', {class: 'tick', x: LEFT - 4, y: H - BOTTOM, 'text-anchor': 'end'}, '0'),
    h('text', {class: 'tick', x: LEFT, y: H - 4}, `${minutes} min ago`),
    h('text', {class: 'tick', x: W - RIGHT, y: H - 4, 'text-anchor': 'end'}, 'now'),
    lines);
  const legend = h('ul', {class: 'legend'}, series.map((s, index) =>
    h('li', {}, h('span', {class: `swatch s${index + 1}`, 'aria-hidden': 'true'}),
      `${s.name}: ${number(latest(s))}${unit}`)));
  return h('figure', {class: 'chart'}, h('figcaption', {}, h('h3', {}, title)), svg, legend);
}

// Appends the points of a `since` answer to what a page holds, keeping
// `window` seconds. `held` and `fresh` are /api/series answers.
export function mergeSeries(held, fresh, window = 900) {
  if (!held || held.first_s === null || fresh.first_s === null) {
    return fresh.first_s === null && held ? held : fresh;
  }
  const merge = (a, b) => {
    const out = a.concat(b);
    return out.slice(Math.max(0, out.length - window));
  };
  const walk = (a, b) => {
    if (Array.isArray(a)) return merge(a, b || []);
    if (a && typeof a === 'object') {
      const out = {};
      for (const k of Object.keys(a)) out[k] = walk(a[k], b ? b[k] : undefined);
      return out;
    }
    return b === undefined ? a : b;
  };
  const merged = walk(held, fresh);
  merged.first_s = Math.max(held.first_s, fresh.last_s - window + 1);
  return merged;
}
