/**
 * The page a plain phone camera opens from the QR (`/c/<code>`), and `/c` where a person types the code printed
 * on the poster (markup: src/render/checkin-page.ts). What a person at a factory gate on a small, slow phone needs:
 * the checkpoint's name, a phone field the device remembers, two big buttons, a confirmation a guard can read from
 * a metre away, and no lost check-in when the gate has no signal (kept on the phone, sent by
 * `/v1/checkins/batch` later).
 */
import './page.css';
import { CODE_LENGTH } from '../../src/core/limits.ts';
import {
  type ApiError,
  apiPath,
  type BodyOf,
  type CheckpointAnswer,
  getJson,
  type ItemResult,
  NOT_KEPT,
  postJson,
  problem,
  retryable,
  WRONG_PHONE,
} from './api.ts';
import { knownCheckpoint, rememberCheckpoint } from './checkpoint.ts';
import { offlineCopy } from './copy.ts';
import {
  $,
  confirmation,
  fieldMessage,
  load,
  localTime,
  looksLikePhone,
  mask,
  newId,
  normCode,
  pathCode,
  pathSegment,
  type Shown,
  save,
  settle,
  showError,
} from './dom.ts';
import { outbox as makeOutbox } from './outbox.ts';
import { stepper } from './stepper.ts';

type Checkin = BodyOf<'postV1Checkins'> & { id: string; at: string; direction: 'in' | 'out' };
/** What POST /v1/checkins answers (201, or 200 for a check-in it had already), as far as the page reads it. */
interface Recorded {
  at: string;
  checkpoint: { name: string };
  error?: ApiError;
}

const PHONE = 'vaora.phone';
const NOTICES = 'vaora.notices';
const QUEUE = 'vaora.queue';

const code = pathCode(CODE_LENGTH);
const phone = $<HTMLInputElement>('phone');
const result = $('result');
let sending = false;
let checkpoint = code ? knownCheckpoint(code) : null;

const placeName = () => (checkpoint ? checkpoint.name : `Điểm kiểm soát ${code}`);
const closed = () => !!checkpoint && checkpoint.active === false;

function showCheckpoint(): void {
  $('name').textContent = placeName();
  $('unit').textContent = checkpoint ? checkpoint.unitName : '';
  // A closed checkpoint keeps its name on screen, so a person knows which poster is out of date.
  $('bad').textContent = closed()
    ? 'Điểm kiểm soát này đã ngừng hoạt động. Không khai báo vào/ra ở đây được nữa; hãy quét mã QR khác.'
    : '';
  $('bad').hidden = !closed();
  busy(sending);
}

function askForCode(message: string): void {
  $('checkin').hidden = true;
  $('codeform').hidden = false;
  $('bad').hidden = !message;
  $('bad').textContent = message;
  $('name').textContent = 'Nhập mã điểm kiểm soát';
  $('unit').textContent = '';
}

$('codeform').addEventListener('submit', (e) => {
  e.preventDefault();
  const c = normCode($<HTMLInputElement>('code').value, CODE_LENGTH);
  if (!c) {
    $('code').setAttribute('aria-invalid', 'true');
    $('code-error').hidden = false;
    return;
  }
  location.href = `/c/${c}`;
});

/** What the server says the code is now: open, closed (200, active false), or no checkpoint's (404). */
function lookUp(): Promise<number> {
  return getJson<CheckpointAnswer>(apiPath('/v1/checkpoints/by-code/{code}', { code })).then((res) => {
    if (res.status === 200 && res.body) {
      checkpoint = res.body;
      rememberCheckpoint(code, checkpoint);
      showCheckpoint();
    } else if (res.status === 404) {
      rememberCheckpoint(code, null);
      checkpoint = null;
      askForCode(`Không tìm thấy điểm kiểm soát có mã ${code}. Hãy kiểm tra mã in dưới mã QR và nhập lại.`);
    }
    return res.status;
  });
}

if (!code) {
  // What was typed in the address, shown as it came (undecodable percent-escapes too).
  const raw = location.pathname.split('/')[2] || '';
  const typed = pathSegment() || raw;
  askForCode(
    typed ? `Mã "${typed.slice(0, 20)}" không đúng. Mã gồm ${CODE_LENGTH} ký tự in dưới mã QR.` : '',
  );
} else {
  $('codeform').hidden = true;
  $('checkin').hidden = false;
  $<HTMLInputElement>('code').value = code;
  showCheckpoint();
  lookUp().then(null, () => {
    // No connection: a check-in is still kept on the phone; the server checks the code when it gets it.
    if (!checkpoint) $('unit').textContent = 'Chưa kiểm tra được mã vì không có mạng.';
  });
}

phone.value = load(PHONE, '');
// The group a person came in with usually leaves with them: the count stays until they change it.
const COMPANIONS = `vaora.companions.${code}`;
const companions = stepper(
  $<HTMLButtonElement>('less'),
  $<HTMLButtonElement>('more'),
  $('companions'),
  (n) => save(COMPANIONS, n),
  load<unknown>(COMPANIONS, 0),
);

const fieldError = fieldMessage(phone, $('phone-error'), result);

const outbox = makeOutbox<Checkin>(
  QUEUE,
  (items) =>
    postJson<{ results?: ItemResult[] }>(apiPath('/v1/checkins/batch'), {
      checkins: items,
    } satisfies BodyOf<'postV1CheckinsBatch'>).then((res) => {
      if (res.status === 200 && res.body?.results) return res.body.results;
      throw { status: res.status };
    }),
  {
    change: (n) => {
      $('waiting-count').textContent = String(n);
      $('waiting').hidden = n === 0;
    },
    sent: (item) => settle(result, item.id),
    held: () => {},
    rejected: (item, error) => {
      const notices = load<string[]>(NOTICES, []);
      notices.push(
        `${item.direction === 'out' ? 'Lượt RA' : 'Lượt VÀO'} lúc ${localTime(item.at)} (${mask(item.phone)}) không được ghi nhận: ${problem(400, { error }).text}`,
      );
      save(NOTICES, notices.slice(-10));
      showNotices();
    },
  },
);

function showNotices(): void {
  const notices = load<string[]>(NOTICES, []);
  const list = $('notices');
  list.textContent = '';
  for (const text of notices) {
    const li = document.createElement('li');
    li.className = 'notice';
    li.textContent = text;
    list.appendChild(li);
  }
  $('notices-box').hidden = notices.length === 0;
}
$('notices-ok').addEventListener('click', () => {
  save(NOTICES, []);
  showNotices();
});
showNotices();

function busy(on: boolean): void {
  sending = on;
  $<HTMLButtonElement>('in').disabled = on || closed();
  $<HTMLButtonElement>('out').disabled = on || closed();
}

function recorded(view: Shown, queued: boolean): void {
  save(PHONE, phone.value.trim());
  view.queued = queued;
  confirmation(result, view);
}

function keep(item: Checkin, view: Shown): void {
  if (outbox.add(item)) recorded(view, true);
  else showError(result, NOT_KEPT);
}

function checkIn(direction: 'in' | 'out'): void {
  if (sending || closed()) return;
  fieldError('');
  const number = phone.value.trim();
  if (!looksLikePhone(number)) {
    fieldError(WRONG_PHONE);
    phone.focus();
    return;
  }
  const item: Checkin = {
    id: newId(),
    code,
    phone: number,
    direction,
    at: new Date().toISOString(),
    method: 'web',
  };
  const n = companions.get();
  if (n > 0) item.companions = n;
  const view: Shown = {
    id: item.id,
    direction,
    at: item.at,
    place: placeName(),
    who: mask(number),
    companions: n,
  };
  if (navigator.onLine === false) {
    keep(item, view);
    return;
  }
  busy(true);
  postJson<Recorded>(apiPath('/v1/checkins'), item)
    .then(
      (res): Promise<unknown> | undefined => {
        if ((res.status === 200 || res.status === 201) && res.body) {
          view.at = res.body.at;
          view.place = res.body.checkpoint.name;
          recorded(view, false);
          outbox.flush();
        } else if (retryable(res.status)) {
          keep(item, view);
        } else {
          const p = problem(res.status, res.body);
          if (p.field === 'phone') fieldError(p.text);
          if (p.field !== 'code') return Promise.resolve(showError(result, p.text));
          // The code worked when the page opened: ask again whether the checkpoint was closed or its code changed.
          result.hidden = true;
          return lookUp().then(
            (status) => {
              if (status !== 404 && !closed()) showError(result, p.text);
            },
            () => showError(result, p.text),
          );
        }
        return undefined;
      },
      () => keep(item, view),
    )
    .then(() => busy(false));
}

$('in').addEventListener('click', () => checkIn('in'));
$('out').addEventListener('click', () => checkIn('out'));
$('checkin').addEventListener('submit', (e) => e.preventDefault());
outbox.flush();
offlineCopy('c');
