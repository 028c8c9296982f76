import { GATE_PAGE } from './built-pages.js';
import { pageShell } from './page-shell.ts';

/**
 * The gate page (`/g/<code>`), where gate staff record check-ins for people without a smartphone: its markup,
 * rendered here with the code in the address; its script and style are pages/src/gate.ts, page.css and gate.css,
 * built by `npm run build:pages`. It holds no data of its own (it is public): the staff token stays in the browser.
 */
const shell = pageShell({ title: 'Cổng kiểm soát: ghi vào/ra', built: GATE_PAGE });

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
