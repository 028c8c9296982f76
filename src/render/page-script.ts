import { createHash } from 'node:crypto';
import { CODE_ALPHABET } from '../core/codes.ts';

/**
 * What the check-in page (/c/<code>) and the gate page (/g/<code>) share: the page shell, the styles, and the
 * browser code that keeps check-ins on the device until the server has them.
 *
 * The browser code is plain ES2017 in template strings, with no build step: it must run on old Android WebViews
 * and small, slow phones, so no framework, no optional chaining, nothing fetched from elsewhere. Each page's
 * script and style are pinned by their SHA-256 in a Content-Security-Policy: nothing else can run on a page that
 * keeps a staff token in localStorage.
 */

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const PAGE_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;padding:1rem;max-width:34rem;color:#111;background:#fff;line-height:1.35}
[hidden]{display:none!important}
h1{font-size:1.45rem;margin:.15rem 0}
.kicker{margin:0;color:#555;font-size:.9rem;text-transform:uppercase;letter-spacing:.05em}
.unit{color:#444;margin:0 0 .6rem}
.hint{color:#555;margin:.2rem 0}
label{display:block;font-weight:600;margin:.9rem 0 .3rem;font-size:1.1rem}
input{font:inherit;font-size:1.6rem;width:100%;padding:.6rem;border:2px solid #666;border-radius:.45rem;letter-spacing:.03em}
input[aria-invalid=true]{border-color:#b3261e;background:#fff5f4}
.field-error{color:#b3261e;font-weight:700;margin:.35rem 0;font-size:1.1rem}
button{font:inherit;cursor:pointer;border-radius:.6rem;border:0;touch-action:manipulation}
button:disabled{opacity:.55}
.row{display:flex;gap:.8rem;margin:1rem 0}
.big{flex:1;font-size:2rem;font-weight:800;padding:1.3rem .5rem;color:#fff}
.in-bg{background:#0a7d32}.out-bg{background:#0b4f8a}
.plain{background:#0b4f8a;color:#fff;font-size:1.25rem;padding:.8rem 1.2rem}
.quiet{background:#e8e8e8;color:#111;font-size:1rem;padding:.5rem .8rem}
.stepper{display:flex;align-items:center;gap:.7rem;margin:.4rem 0}
.stepper button{width:3.3rem;height:3.3rem;font-size:2rem;line-height:1;background:#e6e6e6;color:#111}
.stepper output{min-width:2.6rem;text-align:center;font-size:1.8rem;font-weight:800}
.confirm{border-radius:.8rem;padding:1rem;margin:1rem 0;color:#fff;text-align:center}
.confirm.in{background:#0a7d32}.confirm.out{background:#0b4f8a}
.confirm.queued{outline:.45rem dashed #f2b705;outline-offset:-.45rem}
.confirm.error{background:#b3261e;font-size:1.35rem;font-weight:600;text-align:left}
.confirm .dir{font-size:3.2rem;font-weight:900;letter-spacing:.06em;line-height:1.1}
.confirm .time{font-size:4rem;font-weight:900;line-height:1;font-variant-numeric:tabular-nums}
.confirm .place{font-size:1.3rem;font-weight:600;margin:.45rem 0}
.confirm .who{font-size:1.7rem;font-weight:700;font-variant-numeric:tabular-nums}
.confirm .note{background:#f2b705;color:#111;font-weight:800;border-radius:.4rem;padding:.45rem;margin-top:.7rem;font-size:1.2rem}
.waiting{background:#fff4cc;border:2px solid #f2b705;border-radius:.45rem;padding:.55rem;font-weight:700}
.notice{background:#fde0dd;border-left:.4rem solid #b3261e;padding:.55rem;margin:.45rem 0}
.banner{background:#b3261e;color:#fff;font-weight:700;padding:.7rem;border-radius:.45rem;margin:.6rem 0}
.flash{animation:flash .5s ease-out}
@keyframes flash{from{transform:scale(.95);opacity:.35}to{transform:none;opacity:1}}
`;

/**
 * Helpers both pages use, and the Outbox: check-ins kept in localStorage until the server has them. Every
 * check-in gets its id and its time on the device when tapped, so a queued one is stored with the time it
 * happened, and sending it twice (a lost answer, two tabs, a retry) stores it once.
 */
export const COMMON_SCRIPT = `
var ALPHABET = ${JSON.stringify(CODE_ALPHABET)};
function $(id) { return document.getElementById(id); }

function load(key, fallback) {
  try { var v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
}
function save(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
}

/** A UUID v4. randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere. */
function newId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  var h = '';
  for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1) + (i === 3 || i === 5 || i === 7 || i === 9 ? '-' : '');
  return h;
}

function pad(n) { return (n < 10 ? '0' : '') + n; }
/** HH:mm in Vietnam. UTC+7 all year (no daylight saving), so no reliance on the phone's time-zone data. */
function localTime(iso) {
  var d = new Date(new Date(iso).getTime() + 7 * 3600000);
  return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}
function localDate(iso) {
  var d = new Date(new Date(iso).getTime() + 7 * 3600000);
  return pad(d.getUTCDate()) + '/' + pad(d.getUTCMonth() + 1);
}

/** The code in the page's own path (/c/<code>, /g/<code>): the page may be a copy served offline for another. */
function pathCode(length) {
  var seg = location.pathname.split('/')[2] || '';
  try { seg = decodeURIComponent(seg); } catch (e) { seg = ''; }
  return normCode(seg, length);
}
/** What a person typed, tolerant of case, spaces and dashes; '' when it cannot be a code of that length. */
function normCode(text, length) {
  var code = String(text || '').toUpperCase().replace(/[\\s-]/g, '');
  if (code.length !== length) return '';
  for (var i = 0; i < code.length; i++) if (ALPHABET.indexOf(code.charAt(i)) < 0) return '';
  return code;
}

function phoneDigits(text) { return String(text || '').replace(/[\\s.()-]/g, ''); }
/** The shapes of a Vietnamese mobile number; the server checks the number itself. */
function looksLikePhone(text) { return /^(\\+?84|0)\\d{9}$/.test(phoneDigits(text)); }
/** Everything but the last 3 characters hidden: enough for a guard, nothing for a shoulder-surfer. */
function mask(text) {
  var s = phoneDigits(text).replace(/^\\+?84(\\d{9})$/, '0$1');
  return s.slice(0, -3).replace(/./g, '\\u2022') + s.slice(-3);
}

var NOT_KEPT = 'Không gửi được và máy không lưu được lượt này. Hãy thử lại khi có mạng.';
var WRONG_PHONE = 'Số điện thoại không đúng. Hãy nhập số di động Việt Nam, ví dụ 0912 345 678.';
/** A refusal in plain Vietnamese, and the field it is about. */
function problem(status, body) {
  var e = (body && body.error) || {};
  var detail = (e.details && e.details[0]) || {};
  var path = detail.path || '';
  if (e.code === 'invalid_phone' || path === 'phone') return { field: 'phone', text: WRONG_PHONE };
  if (path === 'at') return { field: 'at', text: 'Giờ trên máy không đúng. Hãy chỉnh lại đồng hồ rồi thử lại.' };
  if (path === 'companions') return { field: 'companions', text: 'Số người đi cùng phải từ 0 đến 20.' };
  if (path === 'card' || e.code === 'unknown_card') return { field: 'card', text: 'Thẻ này không có trong hệ thống hoặc đã hết hạn.' };
  if (e.code === 'unknown_checkpoint') return { field: 'code', text: 'Không tìm thấy điểm kiểm soát này: mã đã được đổi hoặc điểm đã đóng.' };
  if (e.code === 'idempotency_conflict') return { field: '', text: 'Lượt này trùng mã với một lượt khác. Hãy bấm lại.' };
  if (status === 401) return { field: 'token', text: 'Mã truy cập của quản lý đã hết hạn hoặc không đúng. Hãy mở lại đường liên kết mới.' };
  if (status === 403) return { field: 'token', text: 'Mã truy cập này không có quyền ghi ở điểm kiểm soát này (thuộc đơn vị khác).' };
  return { field: '', text: 'Không ghi nhận được (lỗi ' + (e.code || status) + '). Hãy thử lại.' };
}
/** The server could not take it now: keep it on the device and send it later. */
function retryable(status) { return status >= 500 || status === 429 || status === 408; }

/** POST JSON. Resolves {status, body}; rejects when the request never got an answer (offline, timeout). */
function postJson(url, payload, headers) {
  var ctrl = window.AbortController ? new AbortController() : null;
  var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, 15000) : 0;
  var h = { 'content-type': 'application/json' };
  for (var k in headers || {}) h[k] = headers[k];
  var init = { method: 'POST', headers: h, body: JSON.stringify(payload) };
  if (ctrl) init.signal = ctrl.signal;
  return fetch(url, init).then(function (r) {
    return r.text().then(function (t) {
      clearTimeout(timer);
      var body = null;
      try { body = t ? JSON.parse(t) : null; } catch (e) { body = null; }
      return { status: r.status, body: body };
    });
  }, function (err) { clearTimeout(timer); throw err; });
}

function getJson(url, headers) {
  return fetch(url, headers ? { headers: headers } : undefined).then(function (r) {
    return r.json().then(function (b) { return { status: r.status, body: b }; }, function () { return { status: r.status, body: null }; });
  });
}

/**
 * Check-ins waiting on the device, in localStorage under \`key\`. sendBatch(items) resolves the server's
 * per-item results ({index, status, error}) or rejects ({held: text} when staff must act, anything else when the
 * network or the server failed: try again later). Created and duplicate items leave; items refused for a
 * reason of their own leave with a notice; items the server failed to store (internal_error) stay.
 */
function Outbox(key, sendBatch, on) {
  var self = this, busy = false, timer = 0, wait = 0;
  self.items = function () { return load(key, []); };
  /** false when the device would not store it (storage full or disabled): the caller must say it is lost. */
  self.add = function (item) {
    var list = self.items();
    list.push(item);
    if (!save(key, list)) return false;
    on.change(list.length);
    later();
    return true;
  };
  function drop(done) {
    var left = self.items().filter(function (it) { return !done[it.id]; });
    save(key, left);
    on.change(left.length);
    return left;
  }
  function later() {
    clearTimeout(timer);
    // Soon, then less often: a phone with signal but no data (the usual gate) never fires 'online'.
    if (self.items().length) timer = setTimeout(self.flush, wait || 5000);
  }
  /** Sends what waits, 100 at a time, each item once per flush: what the server failed to store waits for the next. */
  function round(tried) {
    var chunk = self.items().filter(function (it) { return !tried[it.id]; }).slice(0, 100);
    if (!chunk.length) return Promise.resolve();
    chunk.forEach(function (it) { tried[it.id] = true; });
    return sendBatch(chunk).then(function (results) {
      var done = {};
      results.forEach(function (r) {
        var item = chunk[r.index];
        if (!item) return;
        if (r.status === 'created' || r.status === 'duplicate') {
          done[item.id] = true; on.sent(item, r);
        } else if (!r.error || r.error.code !== 'internal_error') {
          done[item.id] = true; on.rejected(item, r.error || {});
        }
      });
      drop(done);
      return round(tried);
    });
  }
  self.flush = function () {
    var list = self.items();
    if (busy || !list.length || navigator.onLine === false) return Promise.resolve();
    busy = true;
    clearTimeout(timer);
    return round({}).then(function () {
      wait = 0;
      on.held('');
    }, function (err) {
      wait = Math.min(wait ? wait * 2 : 5000, 60000);
      if (err && err.held) on.held(err.held);
    }).then(function () { busy = false; later(); });
  };
  window.addEventListener('online', self.flush);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) self.flush(); });
  on.change(self.items().length);
}

/** The confirmation a guard reads from a metre away: direction, time, place, who, and whether it is only on the phone. */
function confirmation(el, c) {
  el.className = 'confirm ' + c.direction + (c.queued ? ' queued' : '');
  el.setAttribute('data-id', c.id || '');
  el.textContent = '';
  function line(cls, text) { var d = document.createElement('div'); d.className = cls; d.textContent = text; el.appendChild(d); }
  line('dir', '\\u2714 ' + (c.direction === 'out' ? 'RA' : 'VÀO'));
  line('time', localTime(c.at));
  line('place', c.place);
  line('who', c.who + (c.companions > 0 ? ' + ' + c.companions + ' người đi cùng' : ''));
  if (c.queued) line('note', 'Đã lưu trên máy, sẽ gửi khi có mạng');
  el.hidden = false;
  flash(el);
}
/**
 * The check-in \`id\` that waited on the device is now stored: if its confirmation is still on screen it must read
 * like any other, or the person (and the guard) would think it is still at risk and tap again. No flash: it is
 * the same check-in, not a new one.
 */
function settle(el, id) {
  if (el.hidden || el.getAttribute('data-id') !== id || !el.classList.contains('queued')) return;
  el.classList.remove('queued');
  var note = el.querySelector('.note');
  if (note) el.removeChild(note);
}
function showError(el, text) {
  el.removeAttribute('data-id');
  el.className = 'confirm error';
  el.textContent = '\\u2716 ' + text;
  el.hidden = false;
  flash(el);
}
/** Replays the arrival animation (a new confirmation must not look like the last one) and brings it into view. */
function flash(el) {
  el.classList.remove('flash');
  void el.offsetWidth;
  el.classList.add('flash');
  if (el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
}

/**
 * The message under a field: \`show(text)\` names what is wrong (\`''\` clears it) and takes the last confirmation off
 * the screen: a refused entry must not sit under the last person's green tick, or a guard glancing at it would let
 * them pass. Typing in the field clears the message.
 */
function fieldMessage(input, message, result) {
  function show(text) {
    message.textContent = text;
    message.hidden = !text;
    if (text) result.hidden = true;
    if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }
  input.addEventListener('input', function () { show(''); });
  return show;
}

/** A stepper for companions (0–20), from \`initial\` (anything else than a count starts at 0): returns get() and reset(). */
function stepper(less, more, out, onChange, initial) {
  var n = 0;
  function set(v) { n = Math.max(0, Math.min(20, v)); out.textContent = String(n); less.disabled = n === 0; more.disabled = n === 20; if (onChange) onChange(n); }
  less.addEventListener('click', function () { set(n - 1); });
  more.addEventListener('click', function () { set(n + 1); });
  set(typeof initial === 'number' && isFinite(initial) ? Math.round(initial) : 0);
  return { get: function () { return n; }, reset: function () { set(0); } };
}

/**
 * Lets the page open again without a connection: /sw.js keeps a copy of each page visited. The page stores its
 * own copy once (the visit that registered the worker was not yet served through it).
 */
function offlineCopy(scope) {
  if (!('serviceWorker' in navigator) || !window.caches) return;
  navigator.serviceWorker.register('/sw.js', { scope: scope }).then(function () {
    return caches.open('vaora-pages-v1').then(function (cache) {
      return cache.match(location.pathname).then(function (hit) {
        if (hit) return;
        return fetch(location.pathname).then(function (res) {
          if (!res.ok) return;
          return Promise.all([cache.put(location.pathname, res.clone()), cache.put(scope + '_shell', res)]);
        });
      });
    });
  }).then(function () { document.documentElement.setAttribute('data-offline', 'ready'); }, function () {});
}
`;

/**
 * A complete page: the strict policy pins this exact script and style, so nothing injected could run. `policy` is
 * what the page's response must also send as a header: the same policy, plus `frame-ancestors`, which a meta tag
 * cannot carry (a framed check-in page could be dressed up to collect phone numbers, or clicked through).
 */
export function pageShell(page: { title: string; css: string; script: string }): {
  html: (body: string) => string;
  policy: string;
} {
  const script = `'use strict';\n(function () {${COMMON_SCRIPT}${page.script}})();\n`;
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(page.css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  const html = (body: string) => `<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${page.title}</title>
<style>${page.css}</style></head>
<body>
${body}
<noscript><p class="banner">Trang này cần bật JavaScript.</p></noscript>
<script>${script}</script>
</body></html>
`;
  return { html, policy: `${policy}; frame-ancestors 'none'` };
}
