import { useState } from 'preact/hooks';
import { ApiError, api } from './api.ts';
import { Card, Problem, TextField } from './ui.tsx';

/**
 * A personal QR card (POST /v1/cards) for someone without a smartphone, printed by staff: a card-sized PDF with a
 * random code, never the number. Asked again for the same phone it prints the same card. The number stays in this
 * form: it is sent in the request's body only, never in an address or a file name.
 */
export function PersonalCard() {
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const { pdf, created } = await api.card({ phone });
      const url = URL.createObjectURL(pdf);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'the-qr-ca-nhan.pdf';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setPhone('');
      setDone(created ? 'Đã tạo thẻ mới.' : 'Số này đã có thẻ còn hạn: in lại thẻ đó (cùng mã).');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Thẻ QR cá nhân">
      <form class="create" id="personal-card" onSubmit={submit} noValidate>
        <p class="hint">
          Cho người không có điện thoại thông minh: cổng quét thẻ thay cho điện thoại. Thẻ không in số điện
          thoại, dùng được một năm.
        </p>
        <TextField
          name="phone"
          label="Số điện thoại di động"
          value={phone}
          error={error}
          onInput={setPhone}
        />
        <button type="submit" disabled={busy}>
          In thẻ (PDF)
        </button>
        {done && (
          <p class="ok" id="card-result">
            {done}
          </p>
        )}
        {error !== undefined && !(error instanceof ApiError && error.field('phone')) && (
          <Problem error={error} />
        )}
      </form>
    </Card>
  );
}
