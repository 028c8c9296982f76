/**
 * The gate page (`/g/<code>`, markup: src/render/gate-page.ts): gate staff record check-ins for people without a
 * smartphone, by a phone number they type or a personal QR card a keyboard-wedge scanner types (its code and
 * Enter), through `POST /v1/checkpoints/{id}/checkins` with a unit-manager's token, or
 * `POST /v1/gate/checkpoints/{id}/checkins` with a gate link's token (a shift long, that checkpoint only:
 * src/core/gate-links.ts), which the manager makes in the console. The manager opens `/g/<code>#token=<jwt>` once on
 * the gate tablet (or lets it scan the link's QR): the fragment never reaches a server or a log; the page keeps the
 * token in localStorage and takes it out of the address bar.
 *
 * The page holds no data of its own (it is public); what it records waits on the tablet when the network is down
 * and goes in batches, through the same route's list form.
 */
import './page.css';
import './gate.css';
import { GATE_CLAIMS, GATE_ROLE } from '../../src/core/gate-tokens.ts';
import { CARD_CODE_LENGTH, CODE_LENGTH } from '../../src/core/limits.ts';
import type { Role } from '../../src/core/model.ts';
import { CLAIM_ROLE, CLAIM_UNIT } from '../../src/routes.ts';
import {
  type ApiError,
  apiPath,
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
  localDate,
  localTime,
  looksLikePhone,
  mask,
  newId,
  normCode,
  pathCode,
  phoneDigits,
  type Shown,
  save,
  settle,
  showError,
} from './dom.ts';
import type { Held } from './outbox.ts';
import { outbox as makeOutbox } from './outbox.ts';
import { stepper } from './stepper.ts';

type Direction = 'in' | 'out';

/** A check-in kept on the tablet: the checkpoint's code, and its id when the tablet knew it at the tap. */
interface Item {
  id: string;
  checkpoint: string;
  checkpointId?: string;
  direction: Direction;
  at: string;
  phone?: string;
  card?: string;
  companions?: number;
}

/** One line of the tablet's log of what it recorded (masked: a shared tablet shows no one's number). */
interface LogEntry {
  id: string;
  at: string;
  direction: Direction;
  who: string;
  companions: number;
  state: 'ok' | 'queued' | 'error' | 'sending';
  text?: string;
}

const TOKEN = 'vaora.gate.token';
const DIRECTION = 'vaora.gate.direction';
const LOG = 'vaora.gate.log';
const STAFF_UNIT = 'vaora.gate.unit';
const QUEUE = 'vaora.gate.queue';

const code = pathCode(CODE_LENGTH);
const entry = $<HTMLInputElement>('entry');
const result = $('result');
let checkpoint = code ? knownCheckpoint(code) : null;

(function takeToken() {
  const m = /[#&]token=([^&]+)/.exec(location.hash);
  if (!m) return;
  save(TOKEN, decodeURIComponent(m[1]!));
  history.replaceState(null, '', location.pathname + location.search);
})();
const token = () => load(TOKEN, '');

/** The token's claims, read without checking it (the API checks it); null when it is not a JWT. */
function claims(t: string): { exp?: number; [claim: string]: unknown } | null {
  try {
    let p = t.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    while (p.length % 4) p += '=';
    return JSON.parse(atob(p));
  } catch {
    return null;
  }
}
const auth = () => ({ authorization: `Bearer ${token()}` });
/** A gate link's token goes to the gate route (its own authorizer); a staff token to the staff route. */
const isGateToken = (c: Record<string, unknown> | null) => !!c && c[GATE_CLAIMS.role] === GATE_ROLE;

function banner(text: string): void {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

const HOW = 'Mở lại đường dẫn cổng do quản lý đơn vị cấp (đường dẫn có #token=…) trên máy này.';
let locked = false;
let askedUnit = false;
let expiry: ReturnType<typeof setTimeout> | 0 = 0;

/** Without a token that works, nothing typed here could be recorded: the form says so and takes nothing. */
function lock(text: string): void {
  locked = true;
  $<HTMLFieldSetElement>('controls').disabled = true;
  $('locked').textContent = text;
  $('locked').hidden = false;
  $('staff').textContent = '';
}

/** The name of the token's unit: the checkpoint's own when it is that unit, else as the API last gave it. */
function staffUnitName(unitId: string): string {
  if (checkpoint && checkpoint.unitId === unitId) return checkpoint.unitName;
  const known = load<{ id: string; name: string } | null>(STAFF_UNIT, null);
  return known && known.id === unitId ? known.name : '';
}

function showStaff(): void {
  const c = claims(token());
  if (!c) {
    lock(`Máy này chưa có mã truy cập của quản lý, nên chưa ghi được. ${HOW}`);
    return;
  }
  const until = c.exp ? new Date(c.exp * 1000) : null;
  const expires = until ? `${localTime(until.toISOString())} ngày ${localDate(until.toISOString())}` : '';
  if (until && until.getTime() <= Date.now()) {
    lock(`Mã truy cập đã hết hạn lúc ${expires}, nên chưa ghi được. ${HOW}`);
    return;
  }
  if (until && !expiry) {
    // setTimeout fires at once past 2^31 ms: a token valid for weeks is looked at again daily.
    expiry = setTimeout(
      () => {
        expiry = 0;
        showStaff();
      },
      Math.min(until.getTime() - Date.now() + 1000, 86_400_000),
    );
  }
  if (isGateToken(c) && checkpoint?.id && c[GATE_CLAIMS.checkpoint] !== checkpoint.id) {
    lock(`Đường dẫn cổng này dành cho một điểm kiểm soát khác, nên chưa ghi được. ${HOW}`);
    return;
  }
  const unit = String(c[CLAIM_UNIT] || '');
  const name = staffUnitName(unit);
  const who = isGateToken(c)
    ? 'Máy cổng, giao bởi quản lý'
    : c[CLAIM_ROLE] === ('admin' satisfies Role)
      ? 'Quản trị'
      : 'Quản lý';
  $('staff').textContent =
    (name ? `${who} đơn vị ${name}` : who) + (expires ? ` · mã truy cập hết hạn lúc ${expires}` : '');
  // A token of another unit than the checkpoint's (a district's, say): its name costs one request, once per tablet.
  if (!name && unit && checkpoint?.unitId && !askedUnit && !isGateToken(c)) {
    askedUnit = true;
    getJson<{ name?: string }>(apiPath('/v1/units/{unitId}', { unitId: unit }), auth()).then(
      (res) => {
        if (res.status === 401) return lock(`${problem(401).text} ${HOW}`);
        if (res.status !== 200 || !res.body || !res.body.name) return;
        save(STAFF_UNIT, { id: unit, name: res.body.name });
        showStaff();
      },
      () => {},
    );
  }
}

const placeName = () => (checkpoint ? checkpoint.name : `Điểm kiểm soát ${code}`);
function showCheckpoint(): void {
  $('name').textContent = placeName();
  $('unit').textContent = checkpoint ? checkpoint.unitName : '';
  if (!locked) showStaff();
}

const byCode = (c: string) =>
  getJson<CheckpointAnswer>(apiPath('/v1/checkpoints/by-code/{code}', { code: c }));

/** The checkpoint's id, from the tablet's copy or by its code; null when the code is unknown. */
function checkpointId(c: string): Promise<string | null> {
  const known = knownCheckpoint(c);
  if (known?.id) return Promise.resolve(known.id);
  return byCode(c).then((res) => {
    if (res.status === 404) return null;
    if (res.status !== 200 || !res.body) throw { status: res.status };
    rememberCheckpoint(c, res.body);
    return res.body.id;
  });
}

showStaff();
if (!code) {
  $('name').textContent = 'Mã điểm kiểm soát không đúng';
  $('gate').hidden = true;
} else {
  showCheckpoint();
  byCode(code).then(
    (res) => {
      if (res.status === 200 && res.body) {
        checkpoint = res.body;
        rememberCheckpoint(code, checkpoint);
        showCheckpoint();
        if (!checkpoint.active) banner('Điểm kiểm soát này đã ngừng hoạt động.');
      } else if (res.status === 404) {
        rememberCheckpoint(code, null);
        checkpoint = null;
        banner(`Không tìm thấy điểm kiểm soát có mã ${code}.`);
      }
    },
    () => {},
  );
}

// The direction stays as staff left it: a morning shift records arrivals for hours.
let direction: Direction = load<Direction>(DIRECTION, 'in');
function setDirection(d: Direction): void {
  direction = d;
  save(DIRECTION, d);
  $('dir-in').setAttribute('aria-pressed', String(d === 'in'));
  $('dir-out').setAttribute('aria-pressed', String(d === 'out'));
  $('dir-in').className = `big ${d === 'in' ? 'in-bg' : 'off'}`;
  $('dir-out').className = `big ${d === 'out' ? 'out-bg' : 'off'}`;
  $('send').className = `big ${d === 'in' ? 'in-bg' : 'out-bg'}`;
  $('send').textContent = d === 'in' ? 'Ghi VÀO' : 'Ghi RA';
  entry.focus();
}
$('dir-in').addEventListener('click', () => setDirection('in'));
$('dir-out').addEventListener('click', () => setDirection('out'));
setDirection(direction);
const companions = stepper($<HTMLButtonElement>('less'), $<HTMLButtonElement>('more'), $('companions'), () =>
  entry.focus(),
);

// One field, always focused: a wedge scanner types into whatever has focus.
entry.addEventListener('blur', () => {
  setTimeout(() => {
    const a = document.activeElement;
    if (!a || a === document.body) entry.focus();
  }, 0);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) entry.focus();
});

type Read = { kind: 'phone' | 'card'; value: string; error?: undefined } | { error: string };

/** A phone number typed by staff, or a card's code typed by a scanner; decided by shape. */
function classify(raw: unknown): Read {
  let text = String(raw || '').trim();
  // A scanner reading a QR that holds a link types the link: the code is its last segment.
  if (text.indexOf('/') >= 0) text = text.slice(text.lastIndexOf('/') + 1);
  if (!text) return { error: '' };
  if (looksLikePhone(text)) return { kind: 'phone', value: phoneDigits(text) };
  const card = normCode(text, CARD_CODE_LENGTH);
  if (card) return { kind: 'card', value: card };
  if (normCode(text, CODE_LENGTH)) return { error: 'Đây là mã của điểm kiểm soát, không phải thẻ cá nhân.' };
  if (/^[+\d][\d\s.()-]*$/.test(text)) return { error: WRONG_PHONE };
  return {
    error: `Không nhận ra: hãy nhập số điện thoại, hoặc quét thẻ cá nhân (${CARD_CODE_LENGTH} ký tự).`,
  };
}

const fieldError = fieldMessage(entry, $('entry-error'), result);

// The last check-ins, newest first; masked, so a shared tablet shows no one's number.
let log = load<LogEntry[]>(LOG, []);
const STATE: Record<LogEntry['state'], string> = {
  ok: '\u2714 Đã ghi',
  queued: '\u23F3 Chờ gửi',
  error: '\u2716 Không ghi',
  sending: '\u2026 Đang gửi',
};
function renderLog(): void {
  const list = $('log');
  list.textContent = '';
  for (const e of log) {
    const li = document.createElement('li');
    li.className = `entry ${e.state} ${e.direction}`;
    li.setAttribute('data-id', e.id);
    li.textContent = `${localTime(e.at)} · ${e.direction === 'out' ? 'RA' : 'VÀO'} · ${e.who}${
      e.companions ? ` +${e.companions}` : ''
    } · ${STATE[e.state]}${e.text ? `: ${e.text}` : ''}`;
    list.appendChild(li);
  }
  $('log-box').hidden = log.length === 0;
}
function logEntry(e: LogEntry): void {
  log.unshift(e);
  log = log.slice(0, 30);
  save(LOG, log);
  renderLog();
}
function setState(id: string, state: LogEntry['state'], text?: string): void {
  for (const e of log) {
    if (e.id === id) {
      e.state = state;
      e.text = text || '';
    }
  }
  save(LOG, log);
  renderLog();
}
renderLog();

/** The body of one assisted check-in (functions/commons/checkin-schemas.ts AssistedItem). */
function bodyOf(item: Item) {
  const b: {
    id: string;
    direction: Direction;
    at: string;
    phone?: string;
    card?: string;
    companions?: number;
  } = { id: item.id, direction: item.direction, at: item.at };
  if (item.phone) b.phone = item.phone;
  else b.card = item.card;
  if (item.companions) b.companions = item.companions;
  return b;
}

const assisted = (id: string) =>
  isGateToken(claims(token()))
    ? apiPath('/v1/gate/checkpoints/{id}/checkins', { id })
    : apiPath('/v1/checkpoints/{id}/checkins', { id });

const outbox = makeOutbox<Item>(
  QUEUE,
  (items) => {
    // Items may belong to several checkpoints (the tablet moved gates): one request per checkpoint.
    // An item carries its checkpoint's id when the tablet knew it at the tap: a code rotated since (the id never
    // changes) must not lose what the guard was told was saved. Only items taken before the id was known go by code.
    const groups: Record<string, number[]> = {};
    items.forEach((item, index) => {
      const key = item.checkpointId ? `id:${item.checkpointId}` : `code:${item.checkpoint}`;
      const group = groups[key] || [];
      group.push(index);
      groups[key] = group;
    });
    const results: ItemResult[] = [];
    return Object.keys(groups)
      .reduce(
        (previous, key) =>
          previous.then(() => {
            const indexes = groups[key]!;
            const byId = key.indexOf('id:') === 0;
            return (byId ? Promise.resolve(key.slice(3)) : checkpointId(key.slice(5))).then((id) => {
              if (!id) {
                for (const i of indexes) {
                  results.push({ index: i, status: 'rejected', error: { code: 'unknown_checkpoint' } });
                }
                return;
              }
              const body = { checkins: indexes.map((i) => bodyOf(items[i]!)) };
              return postJson<{ results?: ItemResult[]; error?: ApiError }>(assisted(id), body, auth()).then(
                (res) => {
                  if (res.status === 401 || res.status === 403) {
                    throw {
                      held: `${problem(res.status, res.body).text} Các lượt chờ gửi vẫn được giữ trên máy.`,
                    } satisfies Held;
                  }
                  if (res.status !== 200 || !res.body?.results) throw { status: res.status };
                  for (const r of res.body.results) {
                    results.push({ index: indexes[r.index]!, status: r.status, error: r.error });
                  }
                },
              );
            });
          }),
        Promise.resolve(),
      )
      .then(() => results);
  },
  {
    change: (n) => {
      $('waiting-count').textContent = String(n);
      $('waiting').hidden = n === 0;
    },
    sent: (item) => {
      setState(item.id, 'ok');
      settle(result, item.id);
    },
    rejected: (item, error) => setState(item.id, 'error', problem(400, { error }).text),
    held: (text) => banner(text),
  },
);

let lastRead = { value: '', direction: '', time: 0 };
function submit(raw: unknown): void {
  if (locked) return;
  const read = classify(raw);
  if (read.error !== undefined) {
    fieldError(read.error);
    entry.select();
    return;
  }
  // A scanner that reads the same card twice in a breath is one person, not two.
  const now = Date.now();
  if (read.value === lastRead.value && direction === lastRead.direction && now - lastRead.time < 5000) {
    entry.value = '';
    fieldError('Vừa ghi thẻ/số này rồi.');
    return;
  }
  lastRead = { value: read.value, direction, time: now };
  entry.value = '';
  fieldError('');
  const item: Item = { id: newId(), checkpoint: code, direction, at: new Date(now).toISOString() };
  const knownId = checkpoint?.id || knownCheckpoint(code)?.id;
  if (knownId) item.checkpointId = knownId;
  item[read.kind] = read.value;
  const n = companions.get();
  if (n > 0) item.companions = n;
  companions.reset();
  const view: Shown = {
    id: item.id,
    direction,
    at: item.at,
    place: placeName(),
    who: (read.kind === 'card' ? 'Thẻ ' : '') + mask(read.value),
    companions: n,
  };
  logEntry({ id: item.id, at: item.at, direction, who: view.who, companions: n, state: 'sending' });
  const keep = () => {
    if (!outbox.add(item)) {
      setState(item.id, 'error', NOT_KEPT);
      return showError(result, NOT_KEPT);
    }
    setState(item.id, 'queued');
    view.queued = true;
    confirmation(result, view);
  };
  if (navigator.onLine === false || !checkpoint?.id) {
    keep();
    return;
  }
  postJson<{ at: string; error?: ApiError }>(assisted(checkpoint.id), bodyOf(item), auth()).then((res) => {
    if ((res.status === 200 || res.status === 201) && res.body) {
      setState(item.id, 'ok');
      view.at = res.body.at;
      confirmation(result, view);
      outbox.flush();
    } else if (retryable(res.status)) {
      keep();
    } else {
      const p = problem(res.status, res.body);
      setState(item.id, 'error', p.text);
      showError(result, p.text);
      if (p.field === 'phone') {
        fieldError(p.text);
        entry.value = read.value;
        entry.select();
      }
      if (res.status === 401) lock(`${p.text} ${HOW}`);
      else if (p.field === 'token') banner(p.text);
    }
  }, keep);
}

$('gate').addEventListener('submit', (e) => {
  e.preventDefault();
  submit(entry.value);
  entry.focus();
});

/** The Shape Detection API's detector, where the browser has one (Android Chrome). */
interface BarcodeDetector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetector;

// Android Chrome reads QR codes with the camera itself; elsewhere the button stays hidden.
const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
if (Detector && navigator.mediaDevices) {
  let scanning: (() => void) | null = null;
  const camera = $('camera');
  camera.hidden = false;
  camera.addEventListener('click', () => {
    if (scanning) return scanning();
    const video = $<HTMLVideoElement>('video');
    const detector = new Detector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(
      (stream) => {
        const stopAt = Date.now() + 60_000;
        const stop = () => {
          for (const t of stream.getTracks()) t.stop();
          video.hidden = true;
          scanning = null;
          camera.textContent = 'Quét thẻ bằng camera';
          entry.focus();
        };
        scanning = stop;
        video.srcObject = stream;
        video.hidden = false;
        camera.textContent = 'Dừng camera';
        video.play();
        const look = () => {
          if (!scanning) return;
          if (Date.now() > stopAt) return stop();
          detector.detect(video).then(
            (codes) => {
              if (codes.length && scanning) {
                stop();
                submit(codes[0]!.rawValue);
              } else setTimeout(look, 250);
            },
            () => setTimeout(look, 250),
          );
        };
        look();
      },
      () => fieldError('Không mở được camera.'),
    );
  });
}

entry.focus();
outbox.flush();
offlineCopy('g');
