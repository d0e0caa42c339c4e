// The Events page: the live stream, filtered by an event pattern and a
// level, with pause and resume, each event's payload on click and the
// rate; below it the journal browser (journal.js) and an emit form for
// testing (emit.js).

import {get} from '../api.js';
import {h, fill, field} from '../dom.js';
import {LEVELS, number, patternTest, pretty} from '../format.js';
import {subscribe} from '../stream.js';
import {journal} from './journal.js';
import {emitForm} from './emit.js';

const KEPT = 200;  // events listed; older ones fall off the end

export function mount(root) {
  const pattern = field('Event pattern', h('input', {type: 'text', id: 'live-pattern',
    placeholder: 'channel.*, auth.login_failed', spellcheck: 'false'}),
    'Names or patterns, comma-separated; empty shows every event.');
  const level = field('Level', h('select', {id: 'live-level'},
    h('option', {value: 'FULL'}, 'Every level'),
    h('option', {value: 'SYSTEM'}, 'CRITICAL and SYSTEM'),
    h('option', {value: 'CRITICAL'}, 'CRITICAL only')));
  const pause = h('button', {type: 'button', id: 'live-pause', 'aria-pressed': 'false'}, 'Pause');
  const rate = h('p', {class: 'muted', id: 'live-rate', 'aria-live': 'off'}, '0 events/s');
  const note = h('p', {class: 'muted', role: 'status'});
  const list = h('ul', {class: 'events-list', id: 'live-events', 'aria-label': 'Live events, newest first'});
  const live = h('section', {},
    h('h1', {}, 'Events'),
    h('h2', {}, 'Live'),
    h('div', {class: 'inline'}, pattern.row, level.row, h('div', {class: 'push'}, pause)),
    rate, note, list);
  const journalSection = h('section', {});
  const emitSection = h('section', {});
  root.append(live, journalSection, emitSection);

  const levels = new Map();  // event name -> level, from the catalogue
  let paused = false;
  let held = [];             // what arrived while paused
  const arrivals = [];       // arrival times (ms), for the rate

  const wanted = () => {
    const test = patternTest(pattern.control.value);
    const most = LEVELS.indexOf(level.control.value);
    return (event) => test(event.name) &&
        LEVELS.indexOf(levels.get(event.name) || 'FULL') <= most;
  };

  function item(event) {
    return h('li', {'data-event': event.name, 'data-id': event.id},
      h('details', {},
        h('summary', {}, h('span', {class: 'mono'}, `#${event.id}`),
          h('strong', {}, event.name),
          h('span', {class: 'muted'}, levels.get(event.name) || ''),
          h('span', {class: 'muted'}, new Date().toLocaleTimeString())),
        h('pre', {}, pretty(event.data === null ? event.raw : event.data))));
  }

  function show(events) {
    const keep = wanted();
    for (const event of events) {
      if (keep(event)) list.prepend(item(event));
    }
    while (list.children.length > KEPT) list.lastChild.remove();
  }

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      show(held);
      held = [];
      note.textContent = '';
    }
  });
  // A new filter applies to what arrives from now on.
  const refilter = () => fill(note, 'Filter changed: showing matching events from now on.');
  pattern.control.addEventListener('change', refilter);
  level.control.addEventListener('change', refilter);

  const unsubscribe = subscribe((event) => {
    arrivals.push(performance.now());
    if (paused) {
      held.push(event);
      if (held.length > KEPT) held.shift();
      note.textContent = `Paused: ${held.length} new events held.`;
      return;
    }
    show([event]);
  });
  const timer = setInterval(() => {
    const since = performance.now() - 5000;
    while (arrivals.length && arrivals[0] < since) arrivals.shift();
    rate.textContent = `${number(arrivals.length / 5)} events/s (last 5 s)`;
  }, 1000);

  get('/api/events/catalogue').then((catalogue) => {
    for (const e of catalogue) levels.set(e.name, e.level);
    journal(journalSection);
    emitSection.append(emitForm(catalogue));
  }).catch((e) => fill(emitSection, h('p', {class: 'error'}, e.message)));

  return () => { unsubscribe(); clearInterval(timer); };
}
