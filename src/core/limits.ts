/**
 * The numbers the server and the pages people scan (pages/src) must agree on. Plain constants with no imports: the
 * pages' bundler inlines them from here, so a page never carries a hand-made copy, and never anything else of the
 * server.
 */

/**
 * Checkpoint codes: printed under the QR for people whose camera fails, so they must be easy to read aloud and
 * type. The alphabet leaves out look-alikes (0/O, 1/I/L) and vowels that could spell words. 8 characters
 * give 27^8 ≈ 2.8 × 10^11 codes: guessing a live one among a province's ~10^4 is hopeless.
 */
export const CODE_ALPHABET = '23456789BCDFGHJKMNPQRSTVWXZ';
export const CODE_LENGTH = 8;

/**
 * Personal cards' codes (src/core/cards.ts) use the same alphabet, 10 long: never mistaken for a checkpoint's,
 * and 27^10 ≈ 2 × 10^14 of them, drawn at random, so a card's code says nothing about its holder.
 */
export const CARD_CODE_LENGTH = 10;

/** The most companions one check-in may carry: a family, not a coach party (those scan one by one). */
export const MAX_COMPANIONS = 20;

/** The most check-ins one batch request may carry (POST /v1/checkins/batch, a gate's list). */
export const MAX_BATCH_CHECKINS = 100;

/** All local days are in the provinces' zone; the zone database (Intl, via luxon) does the arithmetic. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/**
 * TIME_ZONE's offset from UTC, in minutes: +07:00 all year, with no daylight saving since 1975. The pages use it
 * rather than the phone's own zone database, which an old phone may lack (test/unit/limits.test.ts checks it
 * against the server's).
 */
export const UTC_OFFSET_MINUTES = 7 * 60;
