// The live event stream, GET /api/events/stream (Server-Sent Events), read
// with fetch(): EventSource only hands over events whose names are
// listened for in advance, and the page wants all of them. One connection
// serves every view. When it drops it is opened again (0.5 s, doubling to
// 10 s) with Last-Event-ID, so nothing is missed in between.

const subscribers = new Set();
const stateListeners = new Set();
let lastId = null;
let controller = null;
let running = false;
let state = 'closed';  // 'connecting' | 'open' | 'lost' | 'closed'

// fn({id, name, data, raw}) for every event; returns an unsubscribe.
export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

// fn(state) when the connection opens, drops or closes.
export function onStreamState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

function setState(next) {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn(state);
}

export function startStream() {
  if (running) return;
  running = true;
  run();
}

export function stopStream() {
  running = false;
  if (controller) controller.abort();
  setState('closed');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run() {
  let delay = 500;
  while (running) {
    setState(state === 'lost' ? 'lost' : 'connecting');
    controller = new AbortController();
    try {
      const headers = {};
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      const response = await fetch('/api/events/stream', {
        headers, signal: controller.signal, cache: 'no-store'});
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      setState('open');
      delay = 500;
      await read(response.body);
    } catch {
      // Dropped, refused or aborted: retried below unless stopped.
    }
    if (!running) return;
    setState('lost');
    await sleep(delay);
    delay = Math.min(delay * 2, 10000);
  }
}

async function read(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = parse(block);
      if (message) deliver(message);
    }
  }
}

// One SSE message: "id:", "event:" and "data:" lines; ":" lines are
// comments (heartbeats).
function parse(block) {
  let id = null, name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (key === 'id') id = value;
    else if (key === 'event') name = value;
    else if (key === 'data') data.push(value);
  }
  if (id === null && data.length === 0) return null;
  return {id, name, raw: data.join('\n')};
}

function deliver(message) {
  if (message.id !== null) lastId = message.id;
  // The stream's own notices: the server stops or cut this client off;
  // the loop reconnects and resumes from lastId.
  if (message.id === null && ['shutdown', 'overflow'].includes(message.name)) {
    if (controller) controller.abort();
    return;
  }
  let data = null;
  try { data = JSON.parse(message.raw); } catch { data = null; }
  const event = {id: message.id === null ? null : Number(message.id),
                 name: message.name, data, raw: message.raw};
  for (const fn of subscribers) {
    try { fn(event); } catch (e) { console.warn('stream subscriber failed', e); }
  }
}
