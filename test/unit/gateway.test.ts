import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorResponse, zodDetails } from '../../functions/http/errors.ts';
import { Throttle, TokenBucket } from '../../src/local/throttle.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, mintToken, verifyToken } from '../../src/local/tokens.ts';
import { CLAIM_ROLE, CLAIM_UNIT } from '../../src/routes.ts';

/** The local API Gateway's own rules: throttling, the JWT authorizer, and the contract's error shape. */

function manualClock(startMs = 0) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the local throttle', () => {
  it('lets a burst through, then refuses until tokens refill at the rate', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 10 }, clock.now);
    const burst = Array.from({ length: 12 }, () => bucket.take());
    expect(burst.filter(Boolean)).toHaveLength(10);
    clock.advance(499);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 100, burstLimit: 3 }, clock.now);
    clock.advance(60_000);
    expect(Array.from({ length: 5 }, () => bucket.take()).filter(Boolean)).toHaveLength(3);
  });

  it("applies a route's own limit below the stage's, and the stage's to every route", () => {
    const clock = manualClock();
    const throttle = new Throttle({ rateLimit: 1, burstLimit: 5 }, clock.now);
    const card = { rateLimit: 1, burstLimit: 2 };
    const cards = Array.from({ length: 4 }, () => throttle.admit('POST /v1/cards', card));
    expect(cards).toEqual([true, true, false, false]);
    // The refused card requests took nothing from the stage: 3 of its 5 tokens are left for the rest.
    const others = Array.from({ length: 4 }, () => throttle.admit('POST /v1/checkins', undefined));
    expect(others).toEqual([true, true, true, false]);
  });
});

describe('the local JWT authorizer', () => {
  const secret = new Uint8Array(32).fill(7);

  it('accepts a token it minted', async () => {
    const claims = await verifyToken(
      secret,
      await mintToken(secret, { role: 'admin', unitId: 'quang-ninh' }),
    );
    expect([claims[CLAIM_ROLE], claims[CLAIM_UNIT]]).toEqual(['admin', 'quang-ninh']);
  });

  it('refuses a correctly signed token with no exp, as API Gateway does', async () => {
    const forever = await new SignJWT({ [CLAIM_ROLE]: 'admin', [CLAIM_UNIT]: 'quang-ninh' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .sign(secret);
    await expect(verifyToken(secret, forever)).rejects.toThrow(/exp/);
  });

  it('refuses an expired token', async () => {
    const expired = await new SignJWT({ [CLAIM_ROLE]: 'admin', [CLAIM_UNIT]: 'quang-ninh' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(secret);
    await expect(verifyToken(secret, expired)).rejects.toThrow(/exp/);
  });
});

describe('the error shape', () => {
  it('always carries details, an empty list when no field is to blame', () => {
    const res = errorResponse(415, 'unsupported_media_type', 'Send the body as application/json');
    expect(JSON.parse(res.body!)).toEqual({
      error: { code: 'unsupported_media_type', message: 'Send the body as application/json', details: [] },
    });
  });

  it('carries the security headers', () => {
    const headers = errorResponse(404, 'unknown_unit', 'No unit x').headers!;
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('names an unknown key by itself, __proto__ and constructor included', () => {
    const schema = z.strictObject({
      phone: z.string(),
      nested: z.strictObject({ a: z.number() }).optional(),
    });
    const parsed = schema.safeParse(
      JSON.parse('{"phone":"0912345678","__proto__":1,"constructor":2,"nested":{"a":1,"b":2}}'),
    );
    expect(parsed.success).toBe(false);
    const paths = zodDetails(parsed.error!).map((d) => d.path);
    expect(paths.sort()).toEqual(['__proto__', 'constructor', 'nested.b']);
  });
});
