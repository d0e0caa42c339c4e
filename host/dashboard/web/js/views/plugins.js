// The Plugins page: every plugin in the folder with its status, tier,
// counters and an enable switch. It refreshes every second and at once
// when the live stream says a plugin changed (plugin.enabled, .disabled,
// .configured), so a breaker trip shows within a second. Rows are updated
// in place, so a switch keeps the keyboard focus across refreshes.

import {get, post, seg} from '../api.js';
import {h, fill} from '../dom.js';
import {pluginStatus, pluginCounters, number} from '../format.js';
import {subscribe} from '../stream.js';

export function mount(root, _params, {notify}) {
  const body = h('tbody');
  const summary = h('p', {class: 'muted', role: 'status'}, 'Loading…');
  const error = h('p', {class: 'error', role: 'alert'});
  root.append(h('section', {},
    h('h1', {}, 'Plugins'), summary, error,
    h('table', {class: 'stack', id: 'plugins-table'},
      h('caption', {class: 'muted'},
        'Plugins found in the plugins folder. New ones stay disabled until enabled.'),
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Plugin'), h('th', {scope: 'col'}, 'Version'),
        h('th', {scope: 'col'}, 'Status'), h('th', {scope: 'col'}, 'Tier'),
        h('th', {scope: 'col', class: 'num'}, 'Delivered'),
        h('th', {scope: 'col', class: 'num'}, 'Failed'),
        h('th', {scope: 'col', class: 'num'}, 'Dropped'),
        h('th', {scope: 'col', class: 'num'}, 'Queue'),
        h('th', {scope: 'col'}, 'Enabled'))),
      body)));

  const rows = new Map();  // key -> row parts
  let stopped = false;
  const busy = new Set();  // keys with an enable/disable in flight

  // The switch is not disabled while the request runs: a disabled control
  // loses the keyboard focus. A flip during the request is undone instead.
  async function toggle(key, name, enable, box) {
    if (busy.has(key)) { box.checked = !enable; return; }
    busy.add(key);
    box.setAttribute('aria-busy', 'true');
    try {
      await post(`/api/plugins/${seg(key)}/${enable ? 'enable' : 'disable'}`);
      notify('');
    } catch (e) {
      notify(`Could not ${enable ? 'enable' : 'disable'} ${name}: ${e.message}`);
    } finally {
      busy.delete(key);
      box.removeAttribute('aria-busy');
      await refresh();
    }
  }

  function makeRow(plugin) {
    const key = plugin.key;
    const name = plugin.name || key;
    const link = h('a', {href: `#/plugins/${seg(key)}`}, name);
    const badge = h('span', {class: 'badge'});
    const reason = h('div', {class: 'reason', id: `reason-${key}`});
    const box = h('input', {type: 'checkbox', role: 'switch', class: 'switch',
                            'aria-label': `Enabled: ${name}`,
                            'aria-describedby': `reason-${key}`});
    box.addEventListener('change', () => toggle(key, name, box.checked, box));
    const cells = {
      version: h('td', {'data-label': 'Version'}),
      tier: h('td', {'data-label': 'Tier'}),
      delivered: h('td', {class: 'num', 'data-label': 'Delivered'}),
      failed: h('td', {class: 'num', 'data-label': 'Failed'}),
      dropped: h('td', {class: 'num', 'data-label': 'Dropped'}),
      queue: h('td', {class: 'num', 'data-label': 'Queue'}),
    };
    const tr = h('tr', {'data-key': key},
      h('td', {class: 'wide'}, link, h('div', {class: 'muted mono'}, key),
        h('div', {class: 'muted'}, plugin.description || '')),
      cells.version,
      h('td', {'data-label': 'Status', class: 'status'}, badge, reason),
      cells.tier, cells.delivered, cells.failed, cells.dropped, cells.queue,
      h('td', {'data-label': 'Enabled'}, box));
    return {tr, badge, reason, box, cells};
  }

  function update(row, plugin) {
    const status = pluginStatus(plugin);
    const counters = pluginCounters(plugin);
    row.badge.className = `badge ${status.tone}`;
    row.badge.textContent = status.label;
    row.reason.textContent = status.reason;
    row.tr.classList.toggle('bad', status.tone === 'bad');
    row.tr.dataset.status = status.label;
    row.cells.version.textContent = plugin.version || '–';
    row.cells.tier.textContent = plugin.isolation || '–';
    row.cells.delivered.textContent = number(counters.delivered);
    row.cells.failed.textContent = number(counters.failed);
    row.cells.dropped.textContent = number(counters.dropped);
    row.cells.queue.textContent = number(counters.queue);
    if (!busy.has(plugin.key)) {
      row.box.checked = Boolean(plugin.enabled);
      row.box.disabled = !status.canEnable;
    }
  }

  async function refresh() {
    if (stopped) return;
    let list;
    try {
      list = await get('/api/plugins');
      error.textContent = '';
    } catch (e) {
      error.textContent = e.message;
      return;
    }
    if (stopped) return;
    const seen = new Set();
    list.forEach((plugin, index) => {
      seen.add(plugin.key);
      let row = rows.get(plugin.key);
      if (!row) {
        row = makeRow(plugin);
        rows.set(plugin.key, row);
      }
      update(row, plugin);
      // In the daemon's order; a row is moved only when it must be, since
      // moving it would take the focus from its switch.
      if (body.children[index] !== row.tr) {
        body.insertBefore(row.tr, body.children[index] || null);
      }
    });
    for (const [key, row] of rows) {
      if (!seen.has(key)) { row.tr.remove(); rows.delete(key); }
    }
    const enabled = list.filter((p) => p.enabled).length;
    const problems = list.filter((p) => pluginStatus(p).tone === 'bad').length;
    fill(summary, `${list.length} plugins, ${enabled} enabled` +
         (problems ? `, ${problems} with a problem` : '') + '.');
  }

  const timer = setInterval(refresh, 1000);
  const unsubscribe = subscribe((event) => {
    if (event.name.startsWith('plugin.')) refresh();
  });
  refresh();
  return () => {
    stopped = true;
    clearInterval(timer);
    unsubscribe();
  };
}
