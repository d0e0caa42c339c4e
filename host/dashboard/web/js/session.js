// Signing in and out (POST/GET/DELETE /api/session). The token is pasted
// once, or the one-time code of the link `eventhost run` prints is used;
// either way the daemon answers with an HttpOnly session cookie and a CSRF
// token that stays in this page's memory. Neither the token nor the code
// is kept anywhere: the form is cleared and the code is removed from the
// address bar before anything else happens.

import {api, setCsrf, ApiError} from './api.js';
import {h, field} from './dom.js';

// Whether the browser's cookie is signed in; sets the CSRF token if so.
export async function currentSession() {
  const answer = await api('GET', '/api/session');
  if (answer && answer.signed_in) setCsrf(answer.csrf_token);
  return Boolean(answer && answer.signed_in);
}

// The "#login=CODE" of the start-up link, removed from the address bar
// (and so from history) at once.
export function takeLoginCode() {
  const match = /^#login=([0-9a-fA-F]+)$/.exec(window.location.hash);
  if (!match) return null;
  history.replaceState(null, '', `${window.location.pathname}#/plugins`);
  return match[1];
}

export async function signIn(credentials) {
  const answer = await api('POST', '/api/session', credentials);
  setCsrf(answer.csrf_token);
}

export async function signOut() {
  try {
    await api('DELETE', '/api/session');
  } finally {
    setCsrf(null);
  }
}

// The sign-in form; onDone() once signed in. `message` explains why it is
// shown (an expired session, a spent link).
export function signInView(root, {message, onDone}) {
  const input = h('input', {type: 'password', name: 'token', autocomplete: 'off',
                            spellcheck: 'false', required: true});
  const token = field('API token', input,
    'The token is in the file <state>.token next to the state file ' +
    '(mode 0600), e.g. ~/.local/state/eventhost/state.db.token. Or open the ' +
    'one-time link that `eventhost run` prints when it starts.');
  const status = h('p', {class: 'error', role: 'alert'}, message || '');
  const button = h('button', {type: 'submit', class: 'primary'}, 'Sign in');
  const form = h('form', {class: 'panel signin', 'aria-labelledby': 'signin-title'},
    h('h1', {id: 'signin-title', tabindex: '-1'}, 'Sign in to eventhost'),
    token.row, button, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    input.value = '';
    if (!value) {
      token.showError('Paste the token first.');
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      await signIn({token: value});
      onDone();
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : String(error);
      button.disabled = false;
      input.focus();
    }
  });
  root.replaceChildren(form);
  input.focus();
}
