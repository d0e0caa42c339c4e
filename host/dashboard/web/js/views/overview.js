// The Overview page: events a second emitted and suppressed, deliveries
// by outcome (charts over 15 minutes, GET /api/series), queue depths and
// live-stream clients (GET /api/events/stats), the event level with a
// selector (GET/PUT /api/level), readiness problems (GET /readyz) and the
// last unclean shutdown the flight recorder saw (GET /api/host).
// Refreshed every second.

import {get, put} from '../api.js';
import {h, fill, field} from '../dom.js';
import {chart, mergeSeries} from '../chart.js';
import {number, timeOfUs} from '../format.js';

const OUTCOMES = ['ok', 'error', 'exception', 'timeout', 'dropped', 'crashed'];

function card(label, id) {
  const value = h('div', {class: 'value', id}, '–');
  return {el: h('div', {class: 'card'}, value, h('div', {class: 'label'}, label)), value};
}

function last(values) {
  for (let i = values.length - 1; i >= 0; i -= 1) if (values[i] !== null) return values[i];
  return null;
}

function readinessList(ready) {
  const problems = [];
  if (!ready.started) problems.push('The daemon is still starting.');
  if (ready.catalogue !== 'valid') problems.push(`Event catalogue: ${ready.catalogue}`);
  if (ready.state !== 'open') problems.push(`State file: ${ready.state}`);
  if (ready.plugins_folder !== 'ok') problems.push(`Plugins folder: ${ready.plugins_folder}`);
  for (const key of ready.plugins_not_loaded || []) {
    problems.push(`Plugin ${key} is enabled but not running.`);
  }
  if (problems.length === 0) return h('p', {}, h('span', {class: 'badge ok'}, 'ready'));
  return h('div', {}, h('span', {class: 'badge bad'}, 'not ready'),
           h('ul', {}, problems.map((p) => h('li', {}, p))));
}

export function mount(root) {
  const cards = {
    emitted: card('events emitted a second', 'ov-emitted'),
    suppressed: card('events suppressed a second', 'ov-suppressed'),
    delivered: card('deliveries a second', 'ov-delivered'),
    clients: card('live-stream clients', 'ov-clients'),
  };
  const charts = h('div', {class: 'grid2'});
  const queues = h('div', {});
  const readiness = h('div', {id: 'ov-readiness'});
  const crash = h('div', {id: 'ov-crash'});
  const about = h('p', {class: 'muted'});
  const levelSelect = h('select', {id: 'ov-level'},
    ['NONE', 'CRITICAL', 'SYSTEM', 'FULL'].map((l) => h('option', {value: l}, l)));
  const level = field('Level', levelSelect,
    'NONE emits nothing, CRITICAL the critical events, SYSTEM adds system events, FULL everything.');
  const levelStatus = h('output', {class: 'result', 'aria-live': 'polite'});
  const levelForm = h('form', {}, level.row, h('button', {type: 'submit'}, 'Apply level'), levelStatus);
  root.append(
    h('section', {}, h('h1', {}, 'Overview'), about,
      h('div', {class: 'cards'}, Object.values(cards).map((c) => c.el)), charts),
    h('div', {class: 'grid2'},
      h('section', {}, h('h2', {}, 'Queues'), queues),
      h('section', {}, h('h2', {}, 'Event level'), levelForm)),
    h('div', {class: 'grid2'},
      h('section', {}, h('h2', {}, 'Readiness'), readiness),
      h('section', {}, h('h2', {}, 'Last unclean shutdown'), crash)));

  let series = null;
  let stopped = false;
  let shownQueues = '';

  async function loadLevel() {
    const answer = await get('/api/level');
    levelSelect.value = answer.level;
    fill(levelStatus, `Now ${answer.level} (from ${answer.source}).`,
         ...(answer.warnings || []).map((w) => h('div', {class: 'error'}, w)));
  }
  levelForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await put('/api/level', {level: levelSelect.value});
      await loadLevel();
    } catch (e) {
      fill(levelStatus, h('span', {class: 'error'}, e.message));
    }
  });

  async function refresh() {
    if (stopped) return;
    try {
      const since = series && series.last_s !== null ? `?since=${series.last_s}` : '';
      const [fresh, stats, ready, host] = await Promise.all([
        get(`/api/series${since}`), get('/api/events/stats'),
        get('/readyz', {accept: [503]}), get('/api/host')]);
      if (stopped) return;
      series = since ? mergeSeries(series, fresh) : fresh;
      const d = series.deliveries;
      cards.emitted.value.textContent = number(last(series.emitted));
      cards.suppressed.value.textContent = number(last(series.suppressed));
      cards.delivered.value.textContent = number(
          OUTCOMES.reduce((sum, o) => sum + (last(d[o]) || 0), 0));
      cards.clients.value.textContent = number(stats.active_clients);
      fill(charts,
        chart({title: 'Events a second', unit: '/s', series: [
          {name: 'emitted', values: series.emitted},
          {name: 'suppressed', values: series.suppressed}]}),
        chart({title: 'Deliveries a second', unit: '/s',
          series: OUTCOMES.filter((o) => o === 'ok' || d[o].some((v) => v))
                          .map((o) => ({name: o, values: d[o]}))}));
      const plugins = Object.entries(stats.plugins || {});
      // Rebuilt only when it changed, so a focused link stays focused.
      const queuesText = JSON.stringify(plugins.map(([k, p]) => [k, p.queue_depth, p.breaker]));
      if (queuesText !== shownQueues) {
        shownQueues = queuesText;
        fill(queues, plugins.length === 0 ? h('p', {class: 'muted'}, 'No plugin is running.')
        : h('table', {class: 'stack'},
            h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Plugin'),
              h('th', {scope: 'col', class: 'num'}, 'Queued'),
              h('th', {scope: 'col'}, 'Breaker'))),
            h('tbody', {}, plugins.map(([key, p]) => h('tr', {class: p.breaker === 'open' ? 'bad' : ''},
              h('td', {'data-label': 'Plugin'}, h('a', {href: `#/plugins/${encodeURIComponent(key)}`}, key)),
              h('td', {'data-label': 'Queued', class: 'num'}, number(p.queue_depth)),
              h('td', {'data-label': 'Breaker'}, p.breaker))))));
      }
      fill(readiness, readinessList(ready));
      fill(crash, host.unclean_shutdown ? h('p', {class: 'error'}, host.unclean_shutdown)
                                        : h('p', {class: 'muted'}, 'None: the last run stopped cleanly.'));
      about.textContent = `eventhost ${host.version}, running since ${timeOfUs(host.started_at_us)}` +
          (host.safe_mode ? ' in safe mode (no plugin loaded).' : '.');
    } catch (e) {
      fill(readiness, h('p', {class: 'error'}, e.message));
    }
  }

  loadLevel().catch((e) => fill(levelStatus, h('span', {class: 'error'}, e.message)));
  refresh();
  const timer = setInterval(refresh, 1000);
  return () => { stopped = true; clearInterval(timer); };
}
