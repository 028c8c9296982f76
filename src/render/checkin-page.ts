import { CODE_LENGTH } from '../core/limits.ts';
import { CHECKIN_PAGE } from './built-pages.js';
import { pageShell } from './page-shell.ts';

/**
 * The page a plain phone camera opens from the QR (`/c/<code>`), and `/c` where a person types the code printed
 * on the poster: its markup, rendered here with what the server knows (the code in the address, the province's
 * retention); its script and style are pages/src/checkin.ts and page.css, built by `npm run build:pages`.
 */
const shell = pageShell({ title: 'Khai báo vào/ra', built: CHECKIN_PAGE });

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
<label for="code">Mã in dưới mã QR (${CODE_LENGTH} ký tự)</label>
<input id="code" name="code" autocapitalize="characters" autocomplete="off" spellcheck="false" placeholder="BCDF 2345" aria-describedby="code-error">
<p id="code-error" class="field-error" hidden>Mã gồm ${CODE_LENGTH} ký tự, chỉ có chữ và số in dưới mã QR.</p>
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
