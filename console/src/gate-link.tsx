import { useState } from 'preact/hooks';
import { api, type Checkpoint, type GateLink } from './api.ts';
import { Problem } from './ui.tsx';

const HOURS = [12, 10, 8, 6, 4, 2, 1];

/** "14:00 ngày 10/01/2022", in Vietnam's time as the gate page shows it. */
const expiry = (iso: string) => {
  const at = new Date(iso);
  const zone = { timeZone: 'Asia/Ho_Chi_Minh' } as const;
  const time = at.toLocaleTimeString('vi-VN', { ...zone, hour: '2-digit', minute: '2-digit' });
  const day = at.toLocaleDateString('vi-VN', { ...zone, day: '2-digit', month: '2-digit', year: 'numeric' });
  return `${time} ngày ${day}`;
};

/**
 * A checkpoint's gate link (POST /v1/checkpoints/{id}/gate-links): the manager makes it here and the gate tablet
 * opens it, by its QR (shown on this screen for the tablet's camera) or the copied link. It lasts a shift and
 * reaches that checkpoint's gate only; the QR holds the token, so it is never printed and leaves the screen when
 * closed. The QR comes from the API as SVG (no QR library in the console), shown as an image: no markup of it runs.
 */
export function GateLinkButton({ cp }: { cp: Checkpoint }) {
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState(12);
  const [link, setLink] = useState<GateLink | undefined>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>();
  const make = async () => {
    setBusy(true);
    setError(undefined);
    setCopied(false);
    try {
      setLink(await api.gateLink(cp.id, { hours }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setOpen(false);
    setLink(undefined);
    setError(undefined);
  };
  const copy = async () => {
    if (!link) return;
    await navigator.clipboard?.writeText(link.url).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  if (!open) {
    return (
      <button type="button" class="gate-link" disabled={!cp.active} onClick={() => setOpen(true)}>
        Link cho máy tính bảng ở cổng
      </button>
    );
  }
  return (
    <section class="gate-link-panel" aria-label={`Link cổng của ${cp.name}`}>
      <p>
        Máy tính bảng ở cổng mở link này (hoặc quét mã QR) để ghi lượt vào/ra cho người không có điện thoại
        thông minh, chỉ tại điểm <strong>{cp.name}</strong>. Không in hay gửi công khai: ai có link đều ghi
        được.
      </p>
      <label>
        Thời hạn{' '}
        <select value={hours} onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}>
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {h} giờ
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" disabled={busy} onClick={make}>
        {link ? 'Tạo link mới' : 'Tạo link'}
      </button>{' '}
      <button type="button" onClick={close}>
        Đóng
      </button>
      {link && (
        <div class="gate-link-result">
          <img
            class="gate-link-qr"
            alt={`Mã QR của link cổng ${cp.code}`}
            width={220}
            height={220}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`}
          />
          <p class="gate-link-expiry">Hết hạn lúc {expiry(link.expiresAt)}</p>
          <input class="gate-link-url" type="text" readOnly value={link.url} aria-label="Link cổng" />{' '}
          <button type="button" onClick={copy}>
            {copied ? 'Đã chép' : 'Chép link'}
          </button>
        </div>
      )}
      {error !== undefined && <Problem error={error} />}
    </section>
  );
}
