import { DateTime } from 'luxon';
import { CARD_CODE_LENGTH, newCode, normaliseCode } from './codes.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import type { StoredPhone } from './model.ts';
import { normalisePhone, storePhone } from './phone.ts';
import type { Events, PhoneVault } from './ports.ts';
import type { Clock } from './time.ts';
import { TIME_ZONE } from './time.ts';

/**
 * Personal QR cards, for people without a smartphone or who may not carry one on a factory floor (Luca's key-fob
 * badges, SafeEntry's ID scans). A card carries a random code, not the phone number: whoever reads the card
 * learns nothing about its holder; only the province's store maps the code back to a phone, and only for a gate
 * with a staff token (src/core/checkins.ts recordAssisted). Even there the number stays sealed: a card holds the
 * phone's keyed hash and sealed number, which a check-in by card copies as they are (no KMS call at the gate).
 *
 * One live card per phone (per keyed hash): asking again for the same phone prints the same code (a lost printout is printed
 * again, not multiplied). A card lasts CARD_VALID_DAYS and is printed with its expiry; after that both its
 * records expire (DynamoDB TTL) and a new card gets a new code. The mapping is personal data and lives with the
 * check-ins, not in the registry.
 */
export const CARD_VALID_DAYS = 365;

export interface Card {
  code: string;
  /** The holder's phone's keyed hash: what the phone's card is found by. */
  phoneHash: string;
  /** The holder's number, sealed. */
  sealedPhone: string;
  issuedAt: string;
  /** Epoch seconds: the card stops working, and its records expire, at this instant. */
  expiresAt: number;
}

export type CardCreateResult = 'created' | 'code-taken' | 'phone-has-card';

export interface CardStore {
  /** The card stored for this code, expired or not. */
  get(code: string): Promise<Card | undefined>;
  /** The card stored for this phone (by its keyed hash), expired or not. */
  ofPhone(phoneHash: string): Promise<Card | undefined>;
  /** Claims the code and the phone together; a phone whose card has expired may be claimed again. */
  create(card: Card, now: Date): Promise<CardCreateResult>;
}

export interface CardDeps {
  cards: CardStore;
  clock: Clock;
}

/** What issuing a card needs besides the store: the vault that hashes and seals the number. */
export interface IssueDeps extends CardDeps {
  phones: PhoneVault;
  events: Events;
}

const CODE_ATTEMPTS = 5;

const isLive = (card: Card, now: Date) => card.expiresAt * 1000 > now.getTime();

/** The phone's card: the live one it has, or a new one. `created` says which. */
export async function issueCard(
  deps: IssueDeps,
  phoneInput: string,
): Promise<{ card: Card; created: boolean }> {
  const phone = normalisePhone(phoneInput);
  if (!phone)
    throw new ValidationError(
      [{ path: 'phone', message: 'Not a Vietnamese mobile number' }],
      'invalid_phone',
    );
  const now = deps.clock.now();
  const stored = await storePhone(deps.phones, phone, deps.events);
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const existing = await deps.cards.ofPhone(stored.hash);
    if (existing && isLive(existing, now)) return { card: existing, created: false };
    const card: Card = {
      code: newCode(CARD_CODE_LENGTH),
      phoneHash: stored.hash,
      sealedPhone: stored.sealed,
      issuedAt: now.toISOString(),
      // To the end of the local day a year on: the printed date is the last day it works.
      expiresAt: Math.floor(
        DateTime.fromJSDate(now, { zone: TIME_ZONE })
          .plus({ days: CARD_VALID_DAYS })
          .endOf('day')
          .toSeconds(),
      ),
    };
    const result = await deps.cards.create(card, now);
    if (result === 'created') return { card, created: true };
    // 'phone-has-card': another request for the same phone won the race; the next turn returns its card.
  }
  throw new Error('Could not store a personal card');
}

export class CardNotFoundError extends NotFoundError {
  constructor() {
    super('unknown_card', 'No valid personal card has this code');
  }
}

/**
 * The phone a scanned card stands for, as stored (hashed and sealed), as of `at` (the scan's time; default now).
 * A code that cannot be a card's, an unknown card, or one expired when it was scanned: 404.
 */
export async function phoneOfCard(deps: CardDeps, input: string, at?: Date): Promise<StoredPhone> {
  const code = normaliseCode(input, CARD_CODE_LENGTH);
  const card = code ? await deps.cards.get(code) : undefined;
  if (!card || !isLive(card, at ?? deps.clock.now())) throw new CardNotFoundError();
  return { hash: card.phoneHash, sealed: card.sealedPhone };
}

/** The last local day a card works, as printed on it (dd/MM/yyyy). */
export function cardValidUntil(card: Card): string {
  return DateTime.fromSeconds(card.expiresAt, { zone: TIME_ZONE }).toFormat('dd/MM/yyyy');
}
