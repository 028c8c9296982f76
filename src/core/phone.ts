import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';

/**
 * A Vietnamese mobile number in any of the forms people type (0912 345 678, +84912345678, 84912345678)
 * to E.164, or null. libphonenumber's metadata knows which ranges are mobile.
 */
export function normalisePhone(input: string): string | null {
  const cleaned = input.trim();
  if (!/^[+\d][\d\s.()-]*$/.test(cleaned)) return null;
  const digits = cleaned.replace(/[^\d+]/g, '');
  const candidate = /^84\d{9}$/.test(digits) ? `+${digits}` : digits;
  const parsed = parsePhoneNumberFromString(candidate, 'VN');
  if (parsed?.country !== 'VN' || !parsed.isValid()) return null;
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return null;
  return parsed.number;
}
