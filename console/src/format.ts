/** Numbers and dates as a Vietnamese reader writes them: 6.468, 13,51 %, 06/01/2022. */
const integer = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const ratio = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmtInt = (n: number) => integer.format(n);
export const fmtRatio = (n: number | null) => (n === null ? '—' : ratio.format(n));
export const fmtSigned = (n: number) =>
  n > 0 ? `+${integer.format(n)}` : n < 0 ? `−${integer.format(-n)}` : '0';
export const fmtSignedRatio = (n: number | null) =>
  n === null ? '—' : n > 0 ? `+${ratio.format(n)}` : n < 0 ? `−${ratio.format(-n)}` : '0,00';

/** YYYY-MM-DD → DD/MM/YYYY, without a time zone: a report's days are already local days. */
export function fmtDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

export const fmtPeriod = (p: { start: string; end: string }) => `${fmtDay(p.start)} – ${fmtDay(p.end)}`;

const FIELD_MESSAGES: [RegExp, string][] = [
  [/required|expected .*, received undefined|>=1 characters/i, 'Bắt buộc nhập'],
  [/not a kind of place/i, 'Loại địa điểm không hợp lệ'],
  [/^missing$/i, 'Thiếu'],
  [/not a vietnamese mobile number/i, 'Không phải số di động Việt Nam'],
  [/too (small|short)|at least/i, 'Quá ngắn'],
  [/too (big|long)|at most/i, 'Quá dài'],
  [/not allowed|forbidden/i, 'Không được phép'],
  [/email/i, 'Địa chỉ thư điện tử không hợp lệ'],
  [/lowercase letters, digits/i, 'Chỉ gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới'],
];

/** The API speaks English to tools; a person reads Vietnamese. Unknown messages keep the API's words. */
export function viFieldMessage(message: string): string {
  for (const [pattern, vi] of FIELD_MESSAGES) if (pattern.test(message)) return vi;
  return `Không hợp lệ: ${message}`;
}
