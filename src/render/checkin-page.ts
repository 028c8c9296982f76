import { PAGE_CSS, pageShell } from './page-script.ts';

/**
 * The page a plain phone camera opens from the QR (`/c/<code>`), and `/c` where a person types the code printed
 * on the poster. What a person at a factory gate on a small, slow phone needs: the checkpoint's name, a phone
 * field the device remembers, two big buttons, a confirmation a guard can read from a metre away, and no lost
 * check-in when the gate has no signal (kept on the phone, sent by `/v1/checkins/batch` later).
 */
const SCRIPT = `
var code = pathCode(8);
var typed = location.pathname.split('/')[2] || '';
try { typed = decodeURIComponent(typed); } catch (e) { /* shown as it came */ }
var phone = $('phone'), result = $('result'), phoneError = $('phone-error');
var sending = false, checkpoint = code ? load('vaora.cp.' + code, null) : null;

function placeName() { return checkpoint ? checkpoint.name : 'Điểm kiểm soát ' + code; }
function closed() { return !!checkpoint && checkpoint.active === false; }
function showCheckpoint() {
  $('name').textContent = placeName();
  $('unit').textContent = checkpoint ? checkpoint.unitName : '';
  // A closed checkpoint keeps its name on screen, so a person knows which poster is out of date.
  $('bad').textContent = closed() ? 'Điểm kiểm soát này đã ngừng hoạt động. Không khai báo vào/ra ở đây được nữa; hãy quét mã QR khác.' : '';
  $('bad').hidden = !closed();
  busy(sending);
}
function askForCode(message) {
  $('checkin').hidden = true;
  $('codeform').hidden = false;
  $('bad').hidden = !message;
  $('bad').textContent = message || '';
  $('name').textContent = 'Nhập mã điểm kiểm soát';
  $('unit').textContent = '';
}

$('codeform').addEventListener('submit', function (e) {
  e.preventDefault();
  var c = normCode($('code').value, 8);
  if (!c) {
    $('code').setAttribute('aria-invalid', 'true');
    $('code-error').hidden = false;
    return;
  }
  location.href = '/c/' + c;
});

/** What the server says the code is now: open, closed (200, active false), or no checkpoint's (404). */
function lookUp() {
  return getJson('/v1/checkpoints/by-code/' + code).then(function (res) {
    if (res.status === 200 && res.body) {
      checkpoint = res.body;
      save('vaora.cp.' + code, { id: checkpoint.id, name: checkpoint.name, unitId: checkpoint.unitId, unitName: checkpoint.unitName, active: checkpoint.active });
      showCheckpoint();
    } else if (res.status === 404) {
      save('vaora.cp.' + code, null);
      checkpoint = null;
      askForCode('Không tìm thấy điểm kiểm soát có mã ' + code + '. Hãy kiểm tra mã in dưới mã QR và nhập lại.');
    }
    return res.status;
  });
}

if (!code) {
  askForCode(typed ? 'Mã "' + typed.slice(0, 20) + '" không đúng. Mã gồm 8 ký tự in dưới mã QR.' : '');
} else {
  $('codeform').hidden = true;
  $('checkin').hidden = false;
  $('code').value = code;
  showCheckpoint();
  lookUp().then(null, function () {
    // No connection: a check-in is still kept on the phone; the server checks the code when it gets it.
    if (!checkpoint) $('unit').textContent = 'Chưa kiểm tra được mã vì không có mạng.';
  });
}

phone.value = load('vaora.phone', '');
// The group a person came in with usually leaves with them: the count stays until they change it.
var COMPANIONS = 'vaora.companions.' + code;
var companions = stepper($('less'), $('more'), $('companions'), function (n) { save(COMPANIONS, n); }, load(COMPANIONS, 0));

var fieldError = fieldMessage(phone, phoneError, result);

var outbox = new Outbox('vaora.queue', function (items) {
  return postJson('/v1/checkins/batch', { checkins: items }).then(function (res) {
    if (res.status === 200 && res.body && res.body.results) return res.body.results;
    throw { status: res.status };
  });
}, {
  change: function (n) {
    $('waiting-count').textContent = String(n);
    $('waiting').hidden = n === 0;
  },
  sent: function (item) { settle(result, item.id); },
  held: function () {},
  rejected: function (item, error) {
    var notices = load('vaora.notices', []);
    notices.push((item.direction === 'out' ? 'Lượt RA' : 'Lượt VÀO') + ' lúc ' + localTime(item.at) + ' (' + mask(item.phone) +
      ') không được ghi nhận: ' + problem(400, { error: error }).text);
    save('vaora.notices', notices.slice(-10));
    showNotices();
  },
});

function showNotices() {
  var notices = load('vaora.notices', []), list = $('notices');
  list.textContent = '';
  notices.forEach(function (text) {
    var li = document.createElement('li');
    li.className = 'notice';
    li.textContent = text;
    list.appendChild(li);
  });
  $('notices-box').hidden = notices.length === 0;
}
$('notices-ok').addEventListener('click', function () { save('vaora.notices', []); showNotices(); });
showNotices();

function busy(on) {
  sending = on;
  $('in').disabled = on || closed();
  $('out').disabled = on || closed();
}

function keep(item, view) {
  if (!outbox.add(item)) return showError(result, NOT_KEPT);
  recorded(item, view, true);
}

function recorded(item, view, queued) {
  save('vaora.phone', phone.value.trim());
  view.queued = queued;
  confirmation(result, view);
}

function checkIn(direction) {
  if (sending || closed()) return;
  fieldError('');
  var number = phone.value.trim();
  if (!looksLikePhone(number)) {
    fieldError(WRONG_PHONE);
    phone.focus();
    return;
  }
  var item = { id: newId(), code: code, phone: number, direction: direction, at: new Date().toISOString(), method: 'web' };
  var n = companions.get();
  if (n > 0) item.companions = n;
  var view = { id: item.id, direction: direction, at: item.at, place: placeName(), who: mask(number), companions: n };
  if (navigator.onLine === false) return keep(item, view);
  busy(true);
  postJson('/v1/checkins', item).then(function (res) {
    if (res.status === 200 || res.status === 201) {
      view.at = res.body.at;
      view.place = res.body.checkpoint.name;
      recorded(item, view, false);
      outbox.flush();
    } else if (retryable(res.status)) {
      keep(item, view);
    } else {
      var p = problem(res.status, res.body);
      if (p.field === 'phone') fieldError(p.text);
      if (p.field !== 'code') return showError(result, p.text);
      // The code worked when the page opened: ask again whether the checkpoint was closed or its code changed.
      result.hidden = true;
      return lookUp().then(function (status) {
        if (status !== 404 && !closed()) showError(result, p.text);
      }, function () { showError(result, p.text); });
    }
  }, function () {
    keep(item, view);
  }).then(function () { busy(false); });
}

$('in').addEventListener('click', function () { checkIn('in'); });
$('out').addEventListener('click', function () { checkIn('out'); });
$('checkin').addEventListener('submit', function (e) { e.preventDefault(); });
outbox.flush();
offlineCopy('/c/');
`;

const shell = pageShell({ title: 'Khai báo vào/ra', css: PAGE_CSS, script: SCRIPT });

/** The Content-Security-Policy header its response carries. */
export const CHECKIN_PAGE_POLICY = shell.policy;

/**
 * `code` must already be a normalised code (src/core/codes.ts alphabet only), or '': it goes into the page verbatim.
 * `retentionDays` is the province's: the page says how long the number is kept, and what for.
 */
export function checkinPage(code: string, retentionDays: number): string {
  if (!/^[A-Z0-9]*$/.test(code)) throw new Error('checkinPage takes a normalised code');
  if (!Number.isInteger(retentionDays)) throw new Error('checkinPage takes a whole number of days');
  const hasCode = code !== '';
  return shell.html(`<header>
<p class="kicker">Khai báo vào/ra</p>
<h1 id="name">${hasCode ? `Điểm kiểm soát ${code}` : 'Nhập mã điểm kiểm soát'}</h1>
<p id="unit" class="unit"></p>
</header>
<main>
<p id="bad" class="banner" role="alert" hidden></p>
<form id="codeform"${hasCode ? ' hidden' : ''}>
<label for="code">Mã in dưới mã QR (8 ký tự)</label>
<input id="code" name="code" autocapitalize="characters" autocomplete="off" spellcheck="false" placeholder="BCDF 2345" aria-describedby="code-error">
<p id="code-error" class="field-error" hidden>Mã gồm 8 ký tự, chỉ có chữ và số in dưới mã QR.</p>
<div class="row"><button class="plain">Tiếp tục</button></div>
</form>
<form id="checkin"${hasCode ? '' : ' hidden'}>
<label for="phone">Số điện thoại của bạn</label>
<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="0912 345 678" aria-describedby="phone-error">
<p id="phone-error" class="field-error" role="alert" hidden></p>
<p class="hint" id="privacy">Số điện thoại chỉ dùng để truy vết dịch bệnh và được xóa sau ${retentionDays} ngày.</p>
<p class="hint" id="companions-label">Người đi cùng (trẻ em, người già):</p>
<div class="stepper" role="group" aria-labelledby="companions-label">
<button type="button" id="less" aria-label="Bớt một người">−</button>
<output id="companions" aria-live="polite">0</output>
<button type="button" id="more" aria-label="Thêm một người">+</button>
</div>
<div class="row"><button type="button" id="in" class="big in-bg">Vào</button><button type="button" id="out" class="big out-bg">Ra</button></div>
</form>
<div id="result" role="status" aria-live="polite" hidden></div>
<p id="waiting" class="waiting" hidden>Đang chờ gửi: <b id="waiting-count">0</b> lượt (đã lưu trên máy, sẽ gửi khi có mạng)</p>
<div id="notices-box" hidden><ul id="notices"></ul><button type="button" id="notices-ok" class="quiet">Đã hiểu</button></div>
</main>`);
}
