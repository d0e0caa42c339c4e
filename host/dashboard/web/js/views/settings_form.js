// A plugin's settings as a form generated from its manifest: one control a
// setting by its type (boolean: a checkbox; select: its choices; number
// and string: a text box, so the host's own validation speaks), with the
// label, help and default the manifest gives. Saving sends the values
// that differ (PUT /api/plugins/KEY/settings); the host checks them, and
// the running plugin may refuse them: either way nothing is saved, and the
// message appears next to the field it is about.

import {put, seg} from '../api.js';
import {h, field} from '../dom.js';

function control(setting, value) {
  if (setting.type === 'boolean') {
    return h('input', {type: 'checkbox', checked: value === true});
  }
  if (setting.type === 'select') {
    return h('select', {}, (setting.options || []).map((option) =>
      h('option', {value: option, selected: option === value}, option)));
  }
  return h('input', {type: 'text', value: value === null || value === undefined ? '' : String(value),
                     inputmode: setting.type === 'number' ? 'decimal' : null,
                     spellcheck: 'false', autocomplete: 'off'});
}

function valueOf(setting, input) {
  if (setting.type === 'boolean') return input.checked;
  return input.value;  // numbers as typed: the host parses and checks them
}

function sameValue(setting, typed, current) {
  if (setting.type === 'number') return String(current) === typed.trim();
  return typed === current;
}

function helpText(setting) {
  const parts = [];
  if (setting.help) parts.push(setting.help);
  if (setting.default !== undefined && setting.default !== null && setting.default !== '') {
    parts.push(`Default: ${JSON.stringify(setting.default)}.`);
  }
  return parts.join(' ');
}

export function settingsForm(plugin, onSaved) {
  const settings = (plugin.manifest && plugin.manifest.settings) || [];
  const section = h('section', {}, h('h2', {}, 'Settings'));
  if (settings.length === 0) {
    section.append(h('p', {class: 'muted'}, 'This plugin has no settings.'));
    return section;
  }
  let current = {...plugin.settings};
  const rows = settings.map((setting) => {
    const input = control(setting, current[setting.id]);
    input.name = setting.id;
    const row = field(setting.label || setting.id, input, helpText(setting));
    row.row.dataset.setting = setting.id;
    return {setting, input, row};
  });
  const status = h('p', {role: 'status', class: 'result'});
  const save = h('button', {type: 'submit', class: 'primary'}, 'Save settings');
  const form = h('form', {id: 'settings-form', novalidate: true},
                 rows.map((r) => r.row.row), save, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const r of rows) r.row.showError('');
    const changes = {};
    for (const r of rows) {
      const typed = valueOf(r.setting, r.input);
      if (!sameValue(r.setting, typed, current[r.setting.id])) changes[r.setting.id] = typed;
    }
    if (Object.keys(changes).length === 0) {
      status.textContent = 'Nothing to save: no value differs from the saved one.';
      status.className = 'result muted';
      return;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    status.className = 'result muted';
    try {
      current = await put(`/api/plugins/${seg(plugin.key)}/settings`, changes);
      status.textContent = `Saved: ${Object.keys(changes).join(', ')}.`;
      status.className = 'result';
      onSaved();
    } catch (e) {
      const placed = rows.filter((r) => e.fields.includes(r.setting.id));
      for (const r of placed) r.row.showError(e.message);
      status.textContent = placed.length
          ? 'Nothing was saved: see the message next to the field.'
          : `Nothing was saved: ${e.message}`;
      status.className = 'result error';
      if (placed.length) placed[0].input.focus();
    } finally {
      save.disabled = false;
    }
  });
  section.append(form);
  return section;
}
