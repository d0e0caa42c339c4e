// The emit form on the Events page, for testing: pick a catalogue event,
// get its payload pre-filled with the catalogue's fields, edit, emit
// (POST /api/events). The answer says which id it got and how many
// plugins it was queued to, or why it was suppressed or refused.

import {post} from '../api.js';
import {h, fill, field} from '../dom.js';

// A starting value for a field by its name: numbers for ids and counts,
// false for flags, a list for *_ids, else text.
function sample(name) {
  if (/_ids$/.test(name)) return [];
  if (/(^|_)(id|count|number|attempts?|seconds|year|size)$/.test(name) ||
      /_(found|kept|created|updated)$/.test(name)) return 0;
  if (/^(is_|enabled$)/.test(name)) return false;
  return '';
}

export function emitForm(catalogue) {
  const byNamespace = new Map();
  for (const e of catalogue) {
    const ns = e.name.split('.')[0];
    if (!byNamespace.has(ns)) byNamespace.set(ns, []);
    byNamespace.get(ns).push(e);
  }
  const select = h('select', {id: 'emit-event'}, [...byNamespace].map(([ns, events]) =>
    h('optgroup', {label: ns}, events.map((e) => h('option', {value: e.name}, `${e.name} (${e.level})`)))));
  const event = field('Event', select);
  const payload = field('Payload (a JSON object)',
    h('textarea', {id: 'emit-payload', rows: 7, spellcheck: 'false'}));
  const description = h('p', {class: 'help'});
  const result = h('output', {class: 'result', 'aria-live': 'polite', id: 'emit-result'});
  const button = h('button', {type: 'submit', class: 'primary'}, 'Emit');
  const form = h('form', {id: 'emit-form'}, event.row, description, payload.row, button, result);

  function prefill() {
    const spec = catalogue.find((e) => e.name === select.value);
    if (!spec) return;
    description.textContent = spec.description || '';
    const data = {};
    for (const name of spec.fields || []) data[name] = sample(name);
    payload.control.value = JSON.stringify(data, null, 2);
  }
  select.addEventListener('change', prefill);
  prefill();

  form.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    payload.showError('');
    let data;
    try {
      data = JSON.parse(payload.control.value || '{}');
    } catch (e) {
      payload.showError(`This is not valid JSON: ${e.message}`);
      payload.control.focus();
      return;
    }
    button.disabled = true;
    try {
      const answer = await post('/api/events', {event: select.value, data});
      fill(result, answer.suppressed
          ? `Not emitted: ${answer.reason}.`
          : `Emitted ${answer.event} as #${answer.id}, queued to ${answer.queued} ` +
            `plugin${answer.queued === 1 ? '' : 's'}` +
            (answer.dropped ? `, ${answer.dropped} dropped (queue full).` : '.'));
    } catch (e) {
      fill(result, h('span', {class: 'error'}, e.message));
    } finally {
      button.disabled = false;
    }
  });
  return h('div', {}, h('h2', {}, 'Emit a test event'), form);
}
