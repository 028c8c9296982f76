import { PAGE_CSS, pageShell } from './page-script.ts';

/**
 * The gate page (`/g/<code>`): gate staff record check-ins for people without a smartphone, by a phone number
 * they type or a personal QR card a keyboard-wedge scanner types (its code and Enter), through
 * `POST /v1/checkpoints/{id}/checkins` with a unit-manager's token, or `POST /v1/gate/checkpoints/{id}/checkins`
 * with a gate link's token (a shift long, that checkpoint only: src/core/gate-links.ts), which the manager makes in
 * the console. The manager opens `/g/<code>#token=<jwt>` once on the gate tablet (or lets it scan the link's QR): the
 * fragment never reaches a server or a log; the page keeps the token in localStorage and takes it out of the
 * address bar.
 *
 * The page holds no data of its own (it is public); what it records waits on the tablet when the network is down
 * and goes in batches, through the same route's list form.
 */
const SCRIPT = `
var code = pathCode(8);
var TOKEN = 'vaora.gate.token', DIRECTION = 'vaora.gate.direction', LOG = 'vaora.gate.log', STAFF_UNIT = 'vaora.gate.unit';
var entry = $('entry'), entryError = $('entry-error'), result = $('result');
var checkpoint = code ? load('vaora.cp.' + code, null) : null;

(function takeToken() {
  var m = /[#&]token=([^&]+)/.exec(location.hash);
  if (!m) return;
  save(TOKEN, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
})();
function token() { return load(TOKEN, ''); }
function claims(t) {
  try {
    var p = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    while (p.length % 4) p += '=';
    return JSON.parse(atob(p));
  } catch (e) { return null; }
}
function auth() { return { authorization: 'Bearer ' + token() }; }
/** A gate link's token goes to the gate route (its own authorizer); a staff token to the staff route. */
function isGateToken(c) { return !!c && c['custom:role'] === 'gate'; }
function checkinsUrl(id) {
  return (isGateToken(claims(token())) ? '/v1/gate/checkpoints/' : '/v1/checkpoints/') + id + '/checkins';
}

function banner(text) { $('banner').textContent = text; $('banner').hidden = !text; }

var HOW = 'Mở lại đường dẫn cổng do quản lý đơn vị cấp (đường dẫn có #token=…) trên máy này.';
var locked = false, askedUnit = false, expiry = 0;
/** Without a token that works, nothing typed here could be recorded: the form says so and takes nothing. */
function lock(text) {
  locked = true;
  $('controls').disabled = true;
  $('locked').textContent = text;
  $('locked').hidden = false;
  $('staff').textContent = '';
}
/** The name of the token's unit: the checkpoint's own when it is that unit, else as the API last gave it. */
function staffUnitName(unitId) {
  if (checkpoint && checkpoint.unitId === unitId) return checkpoint.unitName;
  var known = load(STAFF_UNIT, null);
  return known && known.id === unitId ? known.name : '';
}
function showStaff() {
  var c = claims(token());
  if (!c) return lock('Máy này chưa có mã truy cập của quản lý, nên chưa ghi được. ' + HOW);
  var until = c.exp ? new Date(c.exp * 1000) : null;
  var expires = until ? localTime(until.toISOString()) + ' ngày ' + localDate(until.toISOString()) : '';
  if (until && until.getTime() <= Date.now()) return lock('Mã truy cập đã hết hạn lúc ' + expires + ', nên chưa ghi được. ' + HOW);
  if (until && !expiry) {
    // setTimeout fires at once past 2^31 ms: a token valid for weeks is looked at again daily.
    expiry = setTimeout(function () { expiry = 0; showStaff(); }, Math.min(until.getTime() - Date.now() + 1000, 86400000));
  }
  if (isGateToken(c) && checkpoint && checkpoint.id && c['vaora:checkpoint'] !== checkpoint.id) {
    return lock('Đường dẫn cổng này dành cho một điểm kiểm soát khác, nên chưa ghi được. ' + HOW);
  }
  var unit = c['custom:unit'] || '', name = staffUnitName(unit);
  var who = isGateToken(c) ? 'Máy cổng, giao bởi quản lý' : c['custom:role'] === 'admin' ? 'Quản trị' : 'Quản lý';
  $('staff').textContent = (name ? who + ' đơn vị ' + name : who) + (expires ? ' · mã truy cập hết hạn lúc ' + expires : '');
  // A token of another unit than the checkpoint's (a district's, say): its name costs one request, once per tablet.
  if (!name && unit && checkpoint && checkpoint.unitId && !askedUnit && !isGateToken(c)) {
    askedUnit = true;
    getJson('/v1/units/' + encodeURIComponent(unit), auth()).then(function (res) {
      if (res.status === 401) return lock(problem(401).text + ' ' + HOW);
      if (res.status !== 200 || !res.body || !res.body.name) return;
      save(STAFF_UNIT, { id: unit, name: res.body.name });
      showStaff();
    }, function () {});
  }
}

function placeName() { return checkpoint ? checkpoint.name : 'Điểm kiểm soát ' + code; }
function showCheckpoint() {
  $('name').textContent = placeName();
  $('unit').textContent = checkpoint ? checkpoint.unitName : '';
  if (!locked) showStaff();
}
function remember(c, cp) {
  save('vaora.cp.' + c, { id: cp.id, name: cp.name, unitId: cp.unitId, unitName: cp.unitName, active: cp.active });
}
/** The checkpoint's id, from the tablet's copy or by its code; null when the code is unknown. */
function checkpointId(c) {
  var known = load('vaora.cp.' + c, null);
  if (known && known.id) return Promise.resolve(known.id);
  return getJson('/v1/checkpoints/by-code/' + c).then(function (res) {
    if (res.status === 404) return null;
    if (res.status !== 200 || !res.body) throw { status: res.status };
    remember(c, res.body);
    return res.body.id;
  });
}

showStaff();
if (!code) {
  $('name').textContent = 'Mã điểm kiểm soát không đúng';
  $('gate').hidden = true;
} else {
  showCheckpoint();
  getJson('/v1/checkpoints/by-code/' + code).then(function (res) {
    if (res.status === 200 && res.body) {
      checkpoint = res.body;
      remember(code, checkpoint);
      showCheckpoint();
      if (!checkpoint.active) banner('Điểm kiểm soát này đã ngừng hoạt động.');
    } else if (res.status === 404) {
      save('vaora.cp.' + code, null);
      checkpoint = null;
      banner('Không tìm thấy điểm kiểm soát có mã ' + code + '.');
    }
  }, function () {});
}

// The direction stays as staff left it: a morning shift records arrivals for hours.
var direction = load(DIRECTION, 'in');
function setDirection(d) {
  direction = d;
  save(DIRECTION, d);
  $('dir-in').setAttribute('aria-pressed', String(d === 'in'));
  $('dir-out').setAttribute('aria-pressed', String(d === 'out'));
  $('dir-in').className = 'big ' + (d === 'in' ? 'in-bg' : 'off');
  $('dir-out').className = 'big ' + (d === 'out' ? 'out-bg' : 'off');
  $('send').className = 'big ' + (d === 'in' ? 'in-bg' : 'out-bg');
  $('send').textContent = d === 'in' ? 'Ghi VÀO' : 'Ghi RA';
  entry.focus();
}
$('dir-in').addEventListener('click', function () { setDirection('in'); });
$('dir-out').addEventListener('click', function () { setDirection('out'); });
setDirection(direction);
var companions = stepper($('less'), $('more'), $('companions'), function () { entry.focus(); });

// One field, always focused: a wedge scanner types into whatever has focus.
entry.addEventListener('blur', function () {
  setTimeout(function () {
    var a = document.activeElement;
    if (!a || a === document.body) entry.focus();
  }, 0);
});
document.addEventListener('visibilitychange', function () { if (!document.hidden) entry.focus(); });

/** A phone number typed by staff, or a card's code (10 characters) typed by a scanner; decided by shape. */
function classify(raw) {
  var text = String(raw || '').trim();
  // A scanner reading a QR that holds a link types the link: the code is its last segment.
  if (text.indexOf('/') >= 0) text = text.slice(text.lastIndexOf('/') + 1);
  if (!text) return { error: '' };
  if (looksLikePhone(text)) return { kind: 'phone', value: phoneDigits(text) };
  var card = normCode(text, 10);
  if (card) return { kind: 'card', value: card };
  if (normCode(text, 8)) return { error: 'Đây là mã của điểm kiểm soát, không phải thẻ cá nhân.' };
  if (/^[+\\d][\\d\\s.()-]*$/.test(text)) return { error: WRONG_PHONE };
  return { error: 'Không nhận ra: hãy nhập số điện thoại, hoặc quét thẻ cá nhân (10 ký tự).' };
}

var fieldError = fieldMessage(entry, entryError, result);

// The last check-ins, newest first; masked, so a shared tablet shows no one's number.
var log = load(LOG, []);
var STATE = { ok: '\\u2714 Đã ghi', queued: '\\u23F3 Chờ gửi', error: '\\u2716 Không ghi', sending: '\\u2026 Đang gửi' };
function renderLog() {
  var list = $('log');
  list.textContent = '';
  log.forEach(function (e) {
    var li = document.createElement('li');
    li.className = 'entry ' + e.state + ' ' + e.direction;
    li.setAttribute('data-id', e.id);
    li.textContent = localTime(e.at) + ' · ' + (e.direction === 'out' ? 'RA' : 'VÀO') + ' · ' + e.who +
      (e.companions ? ' +' + e.companions : '') + ' · ' + STATE[e.state] + (e.text ? ': ' + e.text : '');
    list.appendChild(li);
  });
  $('log-box').hidden = log.length === 0;
}
function logEntry(e) {
  log.unshift(e);
  log = log.slice(0, 30);
  save(LOG, log);
  renderLog();
}
function setState(id, state, text) {
  log.forEach(function (e) { if (e.id === id) { e.state = state; e.text = text || ''; } });
  save(LOG, log);
  renderLog();
}
renderLog();

function bodyOf(item) {
  var b = { id: item.id, direction: item.direction, at: item.at };
  if (item.phone) b.phone = item.phone; else b.card = item.card;
  if (item.companions) b.companions = item.companions;
  return b;
}

var outbox = new Outbox('vaora.gate.queue', function (items) {
  // Items may belong to several checkpoints (the tablet moved gates): one request per checkpoint.
  // An item carries its checkpoint's id when the tablet knew it at the tap: a code rotated since (the id never
  // changes) must not lose what the guard was told was saved. Only items taken before the id was known go by code.
  var groups = {};
  items.forEach(function (item, index) {
    var key = item.checkpointId ? 'id:' + item.checkpointId : 'code:' + item.checkpoint;
    (groups[key] = groups[key] || []).push(index);
  });
  var results = [];
  return Object.keys(groups).reduce(function (previous, key) {
    return previous.then(function () {
      var indexes = groups[key];
      var byId = key.indexOf('id:') === 0;
      return (byId ? Promise.resolve(key.slice(3)) : checkpointId(key.slice(5))).then(function (id) {
        if (!id) {
          indexes.forEach(function (i) { results.push({ index: i, status: 'rejected', error: { code: 'unknown_checkpoint' } }); });
          return;
        }
        var body = { checkins: indexes.map(function (i) { return bodyOf(items[i]); }) };
        return postJson(checkinsUrl(id), body, auth()).then(function (res) {
          if (res.status === 401 || res.status === 403) throw { held: problem(res.status, res.body).text + ' Các lượt chờ gửi vẫn được giữ trên máy.' };
          if (res.status !== 200 || !res.body || !res.body.results) throw { status: res.status };
          res.body.results.forEach(function (r) { results.push({ index: indexes[r.index], status: r.status, error: r.error }); });
        });
      });
    });
  }, Promise.resolve()).then(function () { return results; });
}, {
  change: function (n) {
    $('waiting-count').textContent = String(n);
    $('waiting').hidden = n === 0;
  },
  sent: function (item) { setState(item.id, 'ok'); settle(result, item.id); },
  rejected: function (item, error) { setState(item.id, 'error', problem(400, { error: error }).text); },
  held: function (text) { banner(text); },
});

var lastRead = { value: '', direction: '', time: 0 };
function submit(raw) {
  if (locked) return;
  var read = classify(raw);
  if (read.error !== undefined) {
    fieldError(read.error);
    entry.select();
    return;
  }
  // A scanner that reads the same card twice in a breath is one person, not two.
  var now = Date.now();
  if (read.value === lastRead.value && direction === lastRead.direction && now - lastRead.time < 5000) {
    entry.value = '';
    fieldError('Vừa ghi thẻ/số này rồi.');
    return;
  }
  lastRead = { value: read.value, direction: direction, time: now };
  entry.value = '';
  fieldError('');
  var item = { id: newId(), checkpoint: code, direction: direction, at: new Date(now).toISOString() };
  var knownId = (checkpoint && checkpoint.id) || (load('vaora.cp.' + code, null) || {}).id;
  if (knownId) item.checkpointId = knownId;
  item[read.kind] = read.value;
  var n = companions.get();
  if (n > 0) item.companions = n;
  companions.reset();
  var view = { id: item.id, direction: direction, at: item.at, place: placeName(), who: (read.kind === 'card' ? 'Thẻ ' : '') + mask(read.value), companions: n };
  logEntry({ id: item.id, at: item.at, direction: direction, who: view.who, companions: n, state: 'sending' });
  function keep() {
    if (!outbox.add(item)) {
      setState(item.id, 'error', NOT_KEPT);
      return showError(result, NOT_KEPT);
    }
    setState(item.id, 'queued');
    view.queued = true;
    confirmation(result, view);
  }
  var known = checkpoint && checkpoint.id;
  if (navigator.onLine === false || !known) return keep();
  postJson(checkinsUrl(checkpoint.id), bodyOf(item), auth()).then(function (res) {
    if (res.status === 200 || res.status === 201) {
      setState(item.id, 'ok');
      view.at = res.body.at;
      confirmation(result, view);
      outbox.flush();
    } else if (retryable(res.status)) {
      keep();
    } else {
      var p = problem(res.status, res.body);
      setState(item.id, 'error', p.text);
      showError(result, p.text);
      if (p.field === 'phone') { fieldError(p.text); entry.value = read.value; entry.select(); }
      if (res.status === 401) lock(p.text + ' ' + HOW);
      else if (p.field === 'token') banner(p.text);
    }
  }, keep);
}

$('gate').addEventListener('submit', function (e) {
  e.preventDefault();
  submit(entry.value);
  entry.focus();
});

// Android Chrome reads QR codes with the camera itself; elsewhere the button stays hidden.
if ('BarcodeDetector' in window && navigator.mediaDevices) {
  var scanning = null;
  $('camera').hidden = false;
  $('camera').addEventListener('click', function () {
    if (scanning) return scanning();
    var video = $('video'), detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      var stopAt = Date.now() + 60000;
      scanning = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.hidden = true;
        scanning = null;
        $('camera').textContent = 'Quét thẻ bằng camera';
        entry.focus();
      };
      video.srcObject = stream;
      video.hidden = false;
      $('camera').textContent = 'Dừng camera';
      video.play();
      (function look() {
        if (!scanning) return;
        if (Date.now() > stopAt) return scanning();
        detector.detect(video).then(function (codes) {
          if (codes.length && scanning) { scanning(); submit(codes[0].rawValue); } else setTimeout(look, 250);
        }, function () { setTimeout(look, 250); });
      })();
    }, function () { fieldError('Không mở được camera.'); });
  });
}

entry.focus();
outbox.flush();
offlineCopy('/g/');
`;

const GATE_CSS = `${PAGE_CSS}
.toggle{display:flex;gap:.6rem;margin:.6rem 0}
.off{background:#e6e6e6;color:#333}
.toggle .big{padding:1rem .5rem}
#entry{font-size:2rem;text-transform:uppercase}
#log{list-style:none;padding:0;margin:0;font-size:1.15rem;font-variant-numeric:tabular-nums}
#log li{padding:.45rem .5rem;border-bottom:1px solid #ddd}
#log li.ok{border-left:.45rem solid #0a7d32}#log li.queued{border-left:.45rem solid #f2b705}
#log li.error{border-left:.45rem solid #b3261e;background:#fff5f4}#log li.sending{border-left:.45rem solid #999}
video{width:100%;max-height:50vh;background:#000;border-radius:.45rem}
.staff{color:#555;margin:0;font-size:.95rem}
fieldset{border:0;margin:0;padding:0;min-width:0}
`;

const shell = pageShell({ title: 'Cổng kiểm soát: ghi vào/ra', css: GATE_CSS, script: SCRIPT });

/** The Content-Security-Policy header its response carries. */
export const GATE_PAGE_POLICY = shell.policy;

/** `code` must already be a normalised code (src/core/codes.ts alphabet only), or '': it goes into the page verbatim. */
export function gatePage(code: string): string {
  if (!/^[A-Z0-9]*$/.test(code)) throw new Error('gatePage takes a normalised code');
  return shell.html(`<header>
<p class="kicker">Cổng kiểm soát · ghi hộ vào/ra</p>
<h1 id="name">${code ? `Điểm kiểm soát ${code}` : 'Mã điểm kiểm soát không đúng'}</h1>
<p id="unit" class="unit"></p>
<p id="staff" class="staff"></p>
</header>
<main>
<p id="locked" class="banner" role="alert" hidden></p>
<p id="banner" class="banner" role="alert" hidden></p>
<form id="gate"${code ? '' : ' hidden'}>
<fieldset id="controls">
<div class="toggle" role="group" aria-label="Chiều">
<button type="button" id="dir-in" class="big in-bg" aria-pressed="true">Vào</button>
<button type="button" id="dir-out" class="big off" aria-pressed="false">Ra</button>
</div>
<label for="entry">Số điện thoại, hoặc quét thẻ cá nhân</label>
<input id="entry" name="entry" autocomplete="off" autocapitalize="characters" spellcheck="false" enterkeyhint="send" aria-describedby="entry-error">
<p id="entry-error" class="field-error" role="alert" hidden></p>
<p class="hint" id="companions-label">Người đi cùng (trẻ em, người già):</p>
<div class="stepper" role="group" aria-labelledby="companions-label">
<button type="button" id="less" aria-label="Bớt một người">−</button>
<output id="companions" aria-live="polite">0</output>
<button type="button" id="more" aria-label="Thêm một người">+</button>
</div>
<div class="row"><button id="send" class="big in-bg">Ghi VÀO</button></div>
<button type="button" id="camera" class="plain" hidden>Quét thẻ bằng camera</button>
<video id="video" playsinline muted hidden></video>
</fieldset>
</form>
<div id="result" role="status" aria-live="polite" hidden></div>
<p id="waiting" class="waiting" hidden>Đang chờ gửi: <b id="waiting-count">0</b> lượt (đã lưu trên máy, sẽ gửi khi có mạng)</p>
<section id="log-box" hidden><h2>Lượt vừa ghi</h2><ol id="log"></ol></section>
</main>`);
}
