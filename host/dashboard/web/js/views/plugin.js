// A plugin's page: what its manifest says (handlers, declared events, the
// manifest itself), its settings form, its actions as buttons with a
// parameters form and their result, its isolation tier, and its activity
// (charts, recent failures, dead letters: plugin_activity.js). The header
// follows the plugin live; the forms are built once, so a refresh never
// throws away what someone is typing.

import {get, post, put, seg} from '../api.js';
import {h, fill, field} from '../dom.js';
import {pluginStatus, pretty} from '../format.js';
import {subscribe} from '../stream.js';
import {settingsForm} from './settings_form.js';
import {activity} from './plugin_activity.js';

// The page's head, built once and then updated in place (so focus stays
// where it is): name, status and its reason, the enable switch.
function header(plugin, onToggle) {
  const name = plugin.name || plugin.key;
  const badge = h('span', {class: 'badge', id: 'plugin-status'});
  const reason = h('p', {class: 'reason', id: 'plugin-reason'});
  const tier = h('span', {});
  const box = h('input', {type: 'checkbox', role: 'switch', class: 'switch', id: 'enable-switch',
                          'aria-describedby': 'plugin-reason'});
  box.addEventListener('change', () => onToggle(box.checked, box));
  const el = h('div', {},
    h('p', {}, h('a', {href: '#/plugins'}, '← All plugins')),
    h('h1', {tabindex: '-1'}, `${name} `, h('span', {class: 'muted'}, plugin.version || '')),
    h('p', {}, plugin.description || ''),
    h('p', {class: 'inline'}, badge, h('label', {for: 'enable-switch'}, 'Enabled'), box),
    reason,
    h('p', {class: 'muted'}, `Key ${plugin.key} · file ${plugin.file} · priority `,
      `${plugin.priority || 'normal'} · `, tier));
  const update = (now, busy) => {
    const status = pluginStatus(now);
    badge.className = `badge ${status.tone}`;
    badge.textContent = status.label;
    reason.textContent = status.reason;
    tier.textContent = `runs in the ${now.isolation} tier`;
    if (!busy) {
      box.checked = Boolean(now.enabled);
      box.disabled = !status.canEnable;
    }
  };
  update(plugin, false);
  return {el, update};
}

function manifestSection(plugin) {
  const manifest = plugin.manifest || {};
  const events = manifest.events || [];
  return h('section', {},
    h('h2', {}, 'What it handles'),
    h('ul', {}, (plugin.handles || []).map((e) => h('li', {class: 'mono'}, e))),
    (plugin.handles || []).length ? null : h('p', {class: 'muted'}, 'No handlers.'),
    h('h2', {}, 'Events it declares'),
    events.length === 0 ? h('p', {class: 'muted'}, 'None.')
      : h('table', {class: 'stack'},
          h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Event'),
            h('th', {scope: 'col'}, 'Level'), h('th', {scope: 'col'}, 'Fields'),
            h('th', {scope: 'col'}, 'Description'))),
          h('tbody', {}, events.map((e) => h('tr', {},
            h('td', {class: 'mono', 'data-label': 'Event'}, e.name),
            h('td', {'data-label': 'Level'}, e.level),
            h('td', {'data-label': 'Fields'}, (e.fields || []).join(', ')),
            h('td', {'data-label': 'Description'}, e.description || ''))))),
    h('details', {}, h('summary', {}, 'Manifest'), h('pre', {}, pretty(manifest))));
}

function actionsSection(plugin) {
  const actions = (plugin.manifest && plugin.manifest.actions) || [];
  const items = actions.map((action) => {
    const params = field('Parameters (a JSON object)',
      h('textarea', {rows: 3, spellcheck: 'false'}, '{}'), action.description);
    const result = h('output', {class: 'result', 'aria-live': 'polite'});
    const button = h('button', {type: 'submit', class: 'primary'}, `Run: ${action.label || action.id}`);
    const form = h('form', {class: 'panel', 'data-action': action.id},
      h('h3', {}, action.label || action.id), params.row, button, result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      params.showError('');
      let body;
      try {
        body = JSON.parse(params.control.value || '{}');
        if (typeof body !== 'object' || Array.isArray(body) || body === null) throw new Error();
      } catch {
        params.showError('Write the parameters as a JSON object, e.g. {"username": "bob"}.');
        return;
      }
      button.disabled = true;
      fill(result, 'Running…');
      try {
        const answer = await post(
            `/api/plugins/${seg(plugin.key)}/actions/${seg(action.id)}`, body);
        fill(result, h('strong', {}, 'Result: '), h('pre', {}, pretty(answer.result || '(empty)')));
      } catch (e) {
        fill(result, h('span', {class: 'error'}, e.message));
      } finally {
        button.disabled = false;
      }
    });
    return form;
  });
  return h('section', {}, h('h2', {}, 'Actions'),
    items.length ? items : h('p', {class: 'muted'}, 'This plugin has no actions.'));
}

function tierSection(plugin, onChanged) {
  const select = h('select', {},
    ['manifest', 'thread', 'process'].map((tier) => h('option', {
      value: tier,
      selected: tier === (plugin.isolation_source === 'user' ? plugin.isolation : 'manifest')},
      tier === 'manifest' ? `as the manifest asks (${plugin.manifest?.isolation || 'thread'})`
                          : `${tier} tier`)));
  const row = field('Where it runs', select,
    'The thread tier runs it in the host process; the process tier in a worker ' +
    'process of its own, so a crash or hang kills only the worker. A running ' +
    'plugin restarts in its new tier.');
  const status = h('output', {class: 'result', 'aria-live': 'polite'});
  const form = h('form', {}, row.row, h('button', {type: 'submit'}, 'Apply tier'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const answer = await put(`/api/plugins/${seg(plugin.key)}/isolation`,
                               {isolation: select.value});
      fill(status, `Runs in the ${answer.isolation} tier (${answer.source === 'user'
          ? 'your choice' : 'as its manifest asks'}).`);
      onChanged();
    } catch (e) {
      fill(status, h('span', {class: 'error'}, e.message));
    }
  });
  return h('section', {}, h('h2', {}, 'Isolation tier'), form);
}

export function mount(root, {key}, {notify}) {
  const top = h('section', {}, h('h1', {}, key), h('p', {role: 'status'}, 'Loading…'));
  root.append(top);
  let stopped = false;
  let head = null;
  let busy = false;
  let stopActivity = null;

  async function toggle(enable, box) {
    if (busy) { box.checked = !enable; return; }  // as on the Plugins page
    busy = true;
    box.setAttribute('aria-busy', 'true');
    try {
      await post(`/api/plugins/${seg(key)}/${enable ? 'enable' : 'disable'}`);
      notify('');
    } catch (e) {
      notify(`Could not ${enable ? 'enable' : 'disable'} ${key}: ${e.message}`);
    }
    busy = false;
    box.removeAttribute('aria-busy');
    await refresh();
  }

  async function refresh() {
    if (stopped) return;
    let plugin;
    try {
      plugin = await get(`/api/plugins/${seg(key)}`);
    } catch (e) {
      if (!head) fill(top, h('h1', {}, key), h('p', {class: 'error', role: 'alert'}, e.message));
      else notify(e.message);
      return;
    }
    if (stopped) return;
    if (head) {
      head.update(plugin, busy);
      return;
    }
    head = header(plugin, toggle);
    fill(top, head.el);
    top.querySelector('h1').focus({preventScroll: true});
    root.append(manifestSection(plugin), settingsForm(plugin, refresh),
                actionsSection(plugin), tierSection(plugin, refresh));
    const section = h('section', {});
    root.append(section);
    stopActivity = activity(section, plugin);
  }

  const timer = setInterval(refresh, 2000);
  const unsubscribe = subscribe((event) => {
    if (event.name.startsWith('plugin.') && event.data && event.data.plugin_key === key) refresh();
  });
  refresh();
  return () => {
    stopped = true;
    clearInterval(timer);
    unsubscribe();
    if (stopActivity) stopActivity();
  };
}
