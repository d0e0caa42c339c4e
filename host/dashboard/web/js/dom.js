// Building the page without a framework: h() makes an element from a tag,
// attributes and children. Text is always set as text, never parsed as
// HTML, so nothing from the daemon (plugin names, payloads, errors) can
// inject markup.

// h('button', {type: 'button', onclick: fn}, 'Save')
//   attributes: on* = event listener, class/for/aria-*/data-* as usual,
//   true = present, false/null/undefined = absent.
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'polyline', 'line', 'text', 'g', 'title'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                 : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && !svg) {
      el.value = value;
    } else if (name === 'checked' || name === 'selected') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces everything inside `el` with `children`.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A unique id for label/for and aria-describedby pairs.
let counter = 0;
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled form row: label, control, help and a place for its error.
export function field(labelText, control, help) {
  const id = control.id || uid('f');
  control.id = id;
  const helpEl = help ? h('p', {class: 'help', id: `${id}-help`}, help) : null;
  const errorEl = h('p', {class: 'field-error', id: `${id}-error`, hidden: true});
  const described = [helpEl && helpEl.id, errorEl.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const row = h('div', {class: 'form-row'},
                h('label', {for: id}, labelText), h('br'), control, helpEl, errorEl);
  return {row, control, showError(message) {
    errorEl.textContent = message || '';
    errorEl.hidden = !message;
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }};
}
