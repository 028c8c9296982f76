import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { ServiceUnavailableError } from './errors.ts';
import type { StoredPhone } from './model.ts';
import { VN_MOBILE_METADATA } from './phone-metadata.ts';
import type { Events, PhoneHasher, PhoneVault } from './ports.ts';

/**
 * A Vietnamese mobile number in any of the forms people type (0912 345 678, +84912345678, 84912345678)
 * to E.164, or null. libphonenumber's metadata (Viet Nam's, ./phone-metadata.ts) knows which ranges are mobile.
 */
export function normalisePhone(input: string): string | null {
  const cleaned = input.trim();
  if (!/^[+\d][\d\s.()-]*$/.test(cleaned)) return null;
  const digits = cleaned.replace(/[^\d+]/g, '');
  const candidate = /^84\d{9}$/.test(digits) ? `+${digits}` : digits;
  const parsed = parsePhoneNumberFromString(candidate, 'VN', VN_MOBILE_METADATA);
  if (parsed?.country !== 'VN' || !parsed.isValid()) return null;
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return null;
  return parsed.number;
}

/**
 * A phone's keyed hash, for a lookup. The vault's services failing (throttled, unreachable) is a 503: nothing
 * was stored or read, and the same request may be sent again.
 */
export async function hashPhone(phones: PhoneHasher, e164: string, events?: Events): Promise<string> {
  try {
    return await phones.hash(e164);
  } catch (err) {
    throw unavailable(err, events);
  }
}

/** A phone as it is stored: its keyed hash and the number sealed. Never the number itself. */
export async function storePhone(phones: PhoneVault, e164: string, events?: Events): Promise<StoredPhone> {
  try {
    const [hash, sealed] = await Promise.all([phones.hash(e164), phones.seal(e164)]);
    return { hash, sealed };
  } catch (err) {
    throw unavailable(err, events);
  }
}

function unavailable(err: unknown, events: Events | undefined): ServiceUnavailableError {
  events?.emit({ event: 'PhoneVaultFailed', errorName: (err as Error)?.name ?? 'unknown' });
  return new ServiceUnavailableError();
}
