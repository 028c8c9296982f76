import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../src/adapters/paging.ts';
import { ValidationError } from '../../src/core/errors.ts';

const SHAPE = { pk: { prefix: 'cp#' }, sk: 'cp', gsi1pk: 'checkpoints#quang-ha', gsi1sk: { prefix: 'cp#' } };
const KEY = { pk: 'cp#1', sk: 'cp', gsi1pk: 'checkpoints#quang-ha', gsi1sk: 'cp#2022-01-01#1' };
const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('paging tokens', () => {
  it('round-trip the key DynamoDB returned', () => {
    expect(decodeToken(encodeToken(KEY), SHAPE)).toEqual(KEY);
  });

  it.each([
    ['another unit’s listing', { ...KEY, gsi1pk: 'checkpoints#quang-ha-2' }],
    ['a missing attribute', { pk: KEY.pk, sk: KEY.sk, gsi1pk: KEY.gsi1pk }],
    ['an extra attribute', { ...KEY, extra: 'x' }],
    ['a non-string value', { ...KEY, sk: 1 }],
    ['a foreign key prefix', { ...KEY, pk: 'unit#1' }],
    ['not an object', ['cp#1']],
  ])('refuse %s with a 400 naming nextToken', (_, value) => {
    expect(() => decodeToken(token(value), SHAPE)).toThrow(ValidationError);
  });

  it('refuse garbage', () => {
    expect(() => decodeToken('%%%not-base64', SHAPE)).toThrow(ValidationError);
  });
});
