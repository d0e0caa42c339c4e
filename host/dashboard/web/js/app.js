// The dashboard's entry point: signs in (a start-up link's code, the
// cookie of an earlier visit, or the token form), then shows one page at a
// time by the address's fragment: #/plugins, #/plugins/KEY, #/events,
// #/overview. Each page is a module whose mount(root, params) returns the
// function that stops it. The header shows whether the daemon is reachable;
// a lost connection is retried every two seconds, and the page refreshes
// when it is back.

import {api, onConnection, onUnauthorized, setConnected} from './api.js';
import {h, fill} from './dom.js';
import {currentSession, signInView, signIn, signOut, takeLoginCode} from './session.js';
import {startStream, stopStream, onStreamState} from './stream.js';
import * as plugins from './views/plugins.js';
import * as plugin from './views/plugin.js';
import * as events from './views/events.js';
import * as overview from './views/overview.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
const connection = document.getElementById('connection');
const notice = document.getElementById('notice');

let unmount = null;
let signedIn = false;

// A message at the top of the page until dismissed or replaced.
export function showNotice(message) {
  if (!message) { notice.hidden = true; return; }
  fill(notice, message, h('button', {type: 'button', onclick: () => { notice.hidden = true; }},
                          'Dismiss'));
  notice.hidden = false;
}

function route() {
  const hash = window.location.hash || '#/plugins';
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'plugins' && parts[1]) return {page: 'plugins', view: plugin, params: {key: parts[1]}};
  if (parts[0] === 'events') return {page: 'events', view: events, params: {}};
  if (parts[0] === 'overview') return {page: 'overview', view: overview, params: {}};
  return {page: 'plugins', view: plugins, params: {}};
}

function show() {
  if (!signedIn) return;
  if (unmount) unmount();
  unmount = null;
  const {page, view, params} = route();
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  unmount = view.mount(main, params, {notify: showNotice}) || null;
  // Keyboard and screen reader users land on the new page's heading.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: true});
  }
}

function enter() {
  signedIn = true;
  nav.hidden = false;
  signOutButton.hidden = false;
  showNotice('');
  startStream();
  show();
}

function leave(message) {
  signedIn = false;
  if (unmount) unmount();
  unmount = null;
  stopStream();
  nav.hidden = true;
  signOutButton.hidden = true;
  connection.textContent = '';
  signInView(main, {message, onDone: enter});
}

// Reachability: the API and the live stream both report; while either is
// down, /healthz is tried every 2 s.
let apiUp = true, streamState = 'closed', retrying = null;
function paint() {
  const lost = !apiUp || streamState === 'lost';
  connection.classList.toggle('lost', lost);
  connection.textContent = !signedIn ? ''
      : lost ? 'Connection to the daemon lost, retrying…'
      : streamState === 'open' ? 'Live' : 'Connecting…';
  if (lost && !retrying) {
    retrying = setInterval(async () => {
      try {
        await api('GET', '/healthz');
      } catch {
        // Still down; paint() already says so.
      }
    }, 2000);
  } else if (!lost && retrying) {
    clearInterval(retrying);
    retrying = null;
  }
}
onConnection((up) => {
  const wasDown = !apiUp;
  apiUp = up;
  paint();
  if (up && wasDown && signedIn) show();  // refresh what the page shows
});
onStreamState((state) => { streamState = state; paint(); });
onUnauthorized((message) => leave(message));

signOutButton.addEventListener('click', async () => {
  try {
    await signOut();
  } catch {
    // Signed out on this side in any case.
  }
  leave('You have signed out.');
});
// A sign-in link opened in a tab that already shows the dashboard changes
// only the fragment: no new page load, so it is taken here.
window.addEventListener('hashchange', () => {
  if (window.location.hash.startsWith('#login=')) boot();
  else show();
});

// A session ends on the daemon's side (idle, its 12 hours, signed out in
// another tab): noticed within half a minute, not only at the next change.
setInterval(async () => {
  if (!signedIn) return;
  try {
    if (!(await currentSession())) leave('Your session has ended; sign in again.');
  } catch {
    // Unreachable: the connection indicator says so.
  }
}, 30000);

async function boot() {
  const code = takeLoginCode();
  try {
    if (code) {
      try {
        await signIn({code});
        return enter();
      } catch (error) {
        return leave(error.message);
      }
    }
    if (await currentSession()) return enter();
    leave('');
  } catch (error) {
    setConnected(false);
    fill(main, h('p', {class: 'error', role: 'alert'}, error.message));
    setTimeout(boot, 2000);
  }
}

boot();
