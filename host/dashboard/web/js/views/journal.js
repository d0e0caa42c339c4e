// The journal browser on the Events page: search the recorded events by
// pattern and time (GET /api/journal?event=&since_us=&after=&limit=), page
// through them oldest first, and show one whole (GET /api/journal/ID).

import {get} from '../api.js';
import {h, fill, field} from '../dom.js';
import {pretty} from '../format.js';

const PAGE = 25;

export function journal(root) {
  const pattern = field('Event pattern', h('input', {type: 'text', id: 'journal-pattern',
    placeholder: 'channel.*', spellcheck: 'false'}), 'Empty: every event.');
  const since = field('From (your local time)', h('input', {type: 'datetime-local', id: 'journal-since', step: 1}),
    'Empty: from the oldest event the journal keeps.');
  const search = h('button', {type: 'submit', class: 'primary'}, 'Search');
  const form = h('form', {class: 'inline', role: 'search'}, pattern.row, since.row,
                 h('div', {class: 'push'}, search));
  const results = h('div', {id: 'journal-results'});
  const older = h('button', {type: 'button', disabled: true}, 'Previous page');
  const newer = h('button', {type: 'button', disabled: true}, 'Next page');
  const status = h('p', {class: 'muted', role: 'status'});
  const detail = h('div', {id: 'journal-detail', 'aria-live': 'polite'});
  root.append(h('h2', {}, 'Journal'), form, status, results,
              h('p', {class: 'inline'}, older, newer), detail);

  let pages = [0];  // the "after" id of each page seen
  let query = {};

  async function showOne(id) {
    try {
      const entry = await get(`/api/journal/${id}`);
      fill(detail, h('h3', {tabindex: '-1'}, `Event #${entry.id}: ${entry.event}`),
           h('p', {class: 'muted'}, `${entry.level} · ${entry.time}`),
           h('pre', {}, pretty(entry.payload)));
      detail.querySelector('h3').focus();
    } catch (e) {
      fill(detail, h('p', {class: 'error'}, e.message));
    }
  }

  async function load() {
    const after = pages[pages.length - 1];
    const params = new URLSearchParams({limit: PAGE, after});
    if (query.pattern) params.set('event', query.pattern);
    if (query.sinceUs) params.set('since_us', query.sinceUs);
    let answer;
    try {
      answer = await get(`/api/journal?${params}`);
    } catch (e) {
      fill(status, h('span', {class: 'error'}, e.message));
      return;
    }
    const entries = answer.entries;
    status.textContent = entries.length === 0 ? 'No event matches.'
        : `Events #${entries[0].id} to #${entries[entries.length - 1].id}` +
          (answer.more ? ' (more follow).' : '.');
    fill(results, entries.length === 0 ? null : h('table', {class: 'stack'},
      h('thead', {}, h('tr', {}, ['Id', 'Time', 'Event', 'Level', 'Payload', ''].map(
        (t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, entries.map((e) => h('tr', {},
        h('td', {'data-label': 'Id', class: 'num'}, e.id),
        h('td', {'data-label': 'Time'}, new Date(e.emitted_at_us / 1000).toLocaleString()),
        h('td', {'data-label': 'Event', class: 'mono'}, e.event),
        h('td', {'data-label': 'Level'}, e.level),
        h('td', {'data-label': 'Payload', class: 'mono wide'},
          JSON.stringify(e.payload).slice(0, 80)),
        h('td', {'data-label': 'Show'}, h('button', {type: 'button',
          'aria-label': `Show event ${e.id}`, onclick: () => showOne(e.id)}, 'Show')))))));
    older.disabled = pages.length <= 1;
    newer.disabled = !answer.more;
    newer.onclick = () => { pages.push(entries[entries.length - 1].id); load(); };
  }

  older.addEventListener('click', () => { pages.pop(); load(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const when = since.control.value ? new Date(since.control.value).getTime() : 0;
    query = {pattern: pattern.control.value.trim(), sinceUs: when ? when * 1000 : 0};
    pages = [0];
    fill(detail);
    load();
  });
  load();
}
