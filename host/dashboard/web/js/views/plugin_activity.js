// A plugin's activity on its page: deliveries a second by outcome and the
// handler duration (p50, p99) over the last 15 minutes (GET /api/series),
// its latest failed deliveries (GET /api/failures), and its dead letters
// with Retry and Drop (POST /api/deadletters/retry|drop). Refreshed every
// two seconds; the charts ask only for the seconds they do not have yet.

import {get, post, seg} from '../api.js';
import {h, fill} from '../dom.js';
import {chart, mergeSeries} from '../chart.js';
import {timeOfUs} from '../format.js';

const OUTCOMES = ['ok', 'error', 'exception', 'timeout', 'dropped', 'crashed'];

function failuresTable(failures) {
  if (failures.length === 0) return h('p', {class: 'muted'}, 'No failed delivery since the daemon started.');
  return h('table', {class: 'stack'},
    h('thead', {}, h('tr', {}, ['When', 'Event', 'Outcome', 'Attempt', 'Message'].map(
      (t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, failures.map((f) => h('tr', {},
      h('td', {'data-label': 'When'}, timeOfUs(f.at_us)),
      h('td', {'data-label': 'Event', class: 'mono'}, `${f.event} #${f.event_id}`),
      h('td', {'data-label': 'Outcome'}, h('span', {class: 'badge bad'}, f.outcome)),
      h('td', {'data-label': 'Attempt', class: 'num'}, f.attempt),
      h('td', {'data-label': 'Message', class: 'wide'}, f.message || '–')))));
}

export function activity(root, plugin) {
  const key = plugin.key;
  const charts = h('div', {class: 'grid2'});
  const failures = h('div', {});
  const letters = h('div', {});
  const lettersStatus = h('p', {role: 'status', class: 'result'});
  root.append(h('h2', {}, 'Activity'), charts,
              h('h3', {}, 'Recent failures'), failures,
              h('h3', {}, 'Dead letters'), lettersStatus, letters);
  let series = null;
  let stopped = false;
  let lastLetters = '';

  async function act(what, ids, label) {
    try {
      const answer = await post(`/api/deadletters/${what}`, {ids});
      lettersStatus.className = 'result';
      lettersStatus.textContent = what === 'retry'
          ? `${label}: queued ${answer.queued} again.` +
            (answer.problems && answer.problems.length ? ` ${answer.problems.join('; ')}` : '')
          : `${label}: dropped ${answer.dropped}.`;
    } catch (e) {
      lettersStatus.className = 'result error';
      lettersStatus.textContent = e.message;
    }
    lastLetters = '';
    refresh();
  }

  function lettersTable(list) {
    if (list.length === 0) return h('p', {class: 'muted'}, 'No dead letters.');
    return h('table', {class: 'stack', id: 'dead-letters'},
      h('thead', {}, h('tr', {}, ['Letter', 'Event', 'Attempts', 'Outcome', 'Last error', 'When', ''].map(
        (t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, list.map((d) => h('tr', {'data-letter': d.id},
        h('td', {'data-label': 'Letter', class: 'num'}, d.id),
        h('td', {'data-label': 'Event', class: 'mono'}, `${d.event || '(removed)'} #${d.event_id}`),
        h('td', {'data-label': 'Attempts', class: 'num'}, d.attempts),
        h('td', {'data-label': 'Outcome'}, d.outcome),
        h('td', {'data-label': 'Last error', class: 'wide'}, d.last_error || '–'),
        h('td', {'data-label': 'When'}, d.time ? new Date(d.time).toLocaleString() : '–'),
        h('td', {'data-label': 'Actions'},
          h('button', {type: 'button', onclick: () => act('retry', [d.id], `Letter ${d.id}`),
                       'aria-label': `Retry dead letter ${d.id}`}, 'Retry'), ' ',
          h('button', {type: 'button', class: 'danger', onclick: () => act('drop', [d.id], `Letter ${d.id}`),
                       'aria-label': `Drop dead letter ${d.id}`}, 'Drop'))))));
  }

  function drawCharts() {
    const d = series.deliveries;
    fill(charts,
      chart({title: 'Deliveries a second', unit: '/s',
             series: OUTCOMES.filter((o) => o === 'ok' || d[o].some((v) => v))
                             .map((o) => ({name: o, values: d[o]}))}),
      chart({title: 'Handler duration', unit: ' ms',
             series: [{name: 'p50', values: series.p50_ms}, {name: 'p99', values: series.p99_ms}]}));
  }

  async function refresh() {
    if (stopped) return;
    try {
      const since = series && series.last_s !== null ? `&since=${series.last_s}` : '';
      const [fresh, recent, dead] = await Promise.all([
        get(`/api/series?plugin=${seg(key)}${since}`),
        get(`/api/failures?plugin=${seg(key)}`),
        get(`/api/deadletters?plugin=${seg(key)}`)]);
      if (stopped) return;
      series = since ? mergeSeries(series, fresh) : fresh;
      drawCharts();
      fill(failures, failuresTable(recent.failures));
      const list = dead;
      // Rebuilt only when it changed, so a focused button stays focused.
      const text = JSON.stringify(list);
      if (text !== lastLetters) {
        lastLetters = text;
        fill(letters, lettersTable(list));
      }
    } catch (e) {
      fill(failures, h('p', {class: 'error'}, e.message));
    }
  }

  const timer = setInterval(refresh, 2000);
  refresh();
  return () => { stopped = true; clearInterval(timer); };
}

