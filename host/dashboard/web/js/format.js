// How the daemon's values read to a person: a plugin's status as a label,
// a tone (ok, warn, bad, muted) and its reason; times; numbers.

const REFUSED = ['invalid', 'incompatible', 'duplicate'];

// The plugin JSON of GET /api/plugins -> {label, tone, reason, canEnable}.
export function pluginStatus(plugin) {
  const status = plugin.status || '';
  const [head, ...rest] = status.split(': ');
  const reason = rest.join(': ');
  if (REFUSED.includes(head)) {
    return {label: head, tone: 'bad', reason, canEnable: false};
  }
  if (head === 'changed') {
    return {label: 'changed', tone: 'warn', canEnable: true,
            reason: `${reason} (enable it again to trust the new file)`};
  }
  if (head === 'disabled by breaker') {
    const crashed = /crash/i.test(reason);
    return {label: crashed ? 'crashed' : 'breaker open', tone: 'bad', reason,
            canEnable: true};
  }
  const live = plugin.live || {};
  if (live.breaker === 'open') {
    return {label: 'breaker open', tone: 'bad', canEnable: true,
            reason: plugin.disabled_reason || plugin.counters?.last_error || ''};
  }
  if (status === 'ok') {
    if (live.loaded === false) {
      return {label: 'not running', tone: 'warn', canEnable: true,
              reason: 'enabled, but not running: it failed to start (see the ' +
                      'daemon\'s log, or fix its settings and enable it again)'};
    }
    return {label: 'ok', tone: 'ok', reason: '', canEnable: true};
  }
  if (status === 'disabled') {
    return {label: 'disabled', tone: 'muted', reason: plugin.disabled_reason || '',
            canEnable: true};
  }
  return {label: head || 'unknown', tone: 'warn', reason, canEnable: true};
}

// The figures to show: live ones for a loaded plugin, else those saved.
export function pluginCounters(plugin) {
  const live = plugin.live || {};
  const c = live.loaded ? live : plugin.counters || {};
  return {delivered: c.delivered || 0,
          failed: (c.failed || 0) + (c.exceptions || 0) + (c.timeouts || 0) +
                  (c.crashes || 0),
          dropped: c.dropped || 0,
          queue: live.loaded ? live.queue_depth || 0 : 0};
}

export function number(n) {
  if (n === null || n === undefined) return '–';
  return Number(n).toLocaleString('en-US', {maximumFractionDigits: 2});
}

export function timeOfUs(us) {
  if (!us) return '–';
  return new Date(us / 1000).toLocaleString();
}

export function pretty(value) {
  if (typeof value === 'string') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

// "channel.*" -> a test for event names ('' or '*' = every event).
export function patternTest(pattern) {
  const parts = pattern.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return () => true;
  const res = parts.map((p) => new RegExp(
      `^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (name) => res.some((re) => re.test(name));
}

export const LEVELS = ['CRITICAL', 'SYSTEM', 'FULL'];
