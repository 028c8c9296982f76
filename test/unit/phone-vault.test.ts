import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DataKeyLimits,
  KmsPhoneReader,
  KmsPhoneVault,
  keyedPhoneHash,
  PHONE_ENCRYPTION_CONTEXT,
  SealedPhoneError,
  SecretsManagerHashKey,
} from '../../src/adapters/phone-vault.ts';
import { loadPhoneConfig, PHONE_ENV } from '../../src/config.ts';

/** The KMS / Secrets Manager adapter of the phone vault, with both SDK clients mocked. */

const kms = mockClient(KMSClient);
const secrets = mockClient(SecretsManagerClient);

const KEY_ARN = 'arn:aws:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN =
  'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:vaora/quang-ninh/phone-hash-AbCdEf';
const SECRET = 'k'.repeat(64);
const PHONE = '+84912345678';
const FORMS = ['0912345678', '+84912345678', '84912345678', '912345678'];

/** A data key and its "KMS ciphertext": the mock's Decrypt answers the key only for that ciphertext. */
const DATA_KEY = Buffer.alloc(32, 0x2a);
const DATA_KEY_BLOB = Buffer.from('kms-ciphertext-of-the-data-key-0001');
const OTHER_KEY = Buffer.alloc(32, 0x17);
const OTHER_BLOB = Buffer.from('kms-ciphertext-of-the-data-key-0002');

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

function hashKey() {
  return new SecretsManagerHashKey(new SecretsManagerClient({}), SECRET_ARN);
}

function vault(limits?: Partial<DataKeyLimits>) {
  return new KmsPhoneVault(new KMSClient({}), KEY_ARN, hashKey(), {
    maxAgeMs: 3_600_000,
    maxUses: 1_000_000,
    now: () => Date.parse('2022-01-10T02:00:00Z'),
    ...limits,
  });
}

const reader = () => new KmsPhoneReader(new KMSClient({}), KEY_ARN, hashKey());

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a rejection');
  return err;
}

beforeEach(() => {
  kms.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: SECRET });
  kms
    .on(GenerateDataKeyCommand)
    .resolves({ Plaintext: DATA_KEY, CiphertextBlob: DATA_KEY_BLOB, KeyId: KEY_ARN });
  kms.on(DecryptCommand).callsFake(async (input: { CiphertextBlob: Uint8Array }) => {
    const blob = Buffer.from(input.CiphertextBlob);
    if (blob.equals(DATA_KEY_BLOB)) return { Plaintext: DATA_KEY, KeyId: KEY_ARN };
    if (blob.equals(OTHER_BLOB)) return { Plaintext: OTHER_KEY, KeyId: KEY_ARN };
    throw Object.assign(new Error('invalid'), { name: 'InvalidCiphertextException' });
  });
});

describe('the keyed hash', () => {
  it('is the HMAC-SHA-256 of the E.164 number with the secret, base64url, the same on every call', async () => {
    const v = vault();
    const first = await v.hash(PHONE);
    expect(first).toMatch(/^[\w-]{43}$/);
    expect(await v.hash(PHONE)).toBe(first);
    expect(await reader().hash(PHONE)).toBe(first);
    expect(first).toBe(keyedPhoneHash(Buffer.from(SECRET), PHONE));
    expect(await v.hash('+84987654321')).not.toBe(first);
    for (const form of FORMS) expect(first).not.toContain(form);
  });

  it('differs between two provinces’ secrets', () => {
    const a = keyedPhoneHash(Buffer.from('a'.repeat(64)), PHONE);
    const b = keyedPhoneHash(Buffer.from('b'.repeat(64)), PHONE);
    expect(a).not.toBe(b);
  });

  it('reads the secret once per container, however many numbers it hashes', async () => {
    const v = vault();
    await Promise.all(Array.from({ length: 20 }, (_, i) => v.hash(`+8491234${String(5000 + i)}`)));
    await v.hash(PHONE);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('asks Secrets Manager again after a failed read, rather than failing until the container is recycled', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(throttled()).resolves({ SecretString: SECRET });
    const v = vault();
    expect((await failure(v.hash(PHONE))).name).toBe('ThrottlingException');
    expect(await v.hash(PHONE)).toBe(keyedPhoneHash(Buffer.from(SECRET), PHONE));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a secret shorter than 32 characters', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short-secret' });
    expect((await failure(vault().hash(PHONE))).message).toMatch(/at least 32 characters/);
  });
});

describe('sealing', () => {
  it('seals a number that a reader opens back, and nothing in the sealed string shows the number', async () => {
    const sealed = await vault().seal(PHONE);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(sealed.split('.')[1]).toBe(DATA_KEY_BLOB.toString('base64url'));
    for (const form of FORMS) expect(sealed).not.toContain(form);
    expect(await reader().open(sealed)).toBe(PHONE);
  });

  it('gives a different string for the same number each time (a random iv)', async () => {
    const v = vault();
    const [a, b] = [await v.seal(PHONE), await v.seal(PHONE)];
    expect(a).not.toBe(b);
    expect([await reader().open(a), await reader().open(b)]).toEqual([PHONE, PHONE]);
  });

  it("asks KMS for a data key under the province's key, AES-256, with the phone-number context", async () => {
    await vault().seal(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: { purpose: 'phone-number' },
    });
    expect(PHONE_ENCRYPTION_CONTEXT).toEqual({ purpose: 'phone-number' });
  });

  it('asks KMS for one data key for many seals, concurrent ones too', async () => {
    const v = vault();
    await Promise.all(Array.from({ length: 50 }, () => v.seal(PHONE)));
    for (let i = 0; i < 50; i++) await v.seal(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('replaces the data key after its age or its use limit', async () => {
    let now = Date.parse('2022-01-10T02:00:00Z');
    const aged = vault({ maxAgeMs: 60_000, now: () => now });
    await aged.seal(PHONE);
    now += 59_999;
    await aged.seal(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    now += 1;
    await aged.seal(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);

    kms.resetHistory();
    const used = vault({ maxUses: 3 });
    for (let i = 0; i < 7; i++) await used.seal(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(3);
  });

  it('fails when KMS is throttling, and asks again on the next seal', async () => {
    kms
      .on(GenerateDataKeyCommand)
      .rejectsOnce(throttled())
      .resolves({ Plaintext: DATA_KEY, CiphertextBlob: DATA_KEY_BLOB });
    const v = vault();
    const [a, b] = await Promise.allSettled([v.seal(PHONE), v.seal(PHONE)]);
    expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    expect((a as PromiseRejectedResult).reason.name).toBe('ThrottlingException');
    expect(await reader().open(await v.seal(PHONE))).toBe(PHONE);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
  });

  it('refuses a data key that is not 256 bits', async () => {
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: Buffer.alloc(16), CiphertextBlob: DATA_KEY_BLOB });
    expect((await failure(vault().seal(PHONE))).message).toMatch(/256-bit/);
  });
});

describe('opening', () => {
  it('decrypts each data key once, with the key and the context, however many numbers it opens', async () => {
    const v = vault();
    const sealed = await Promise.all(Array.from({ length: 30 }, () => v.seal(PHONE)));
    const r = reader();
    expect(await Promise.all(sealed.map((s) => r.open(s)))).toEqual(sealed.map(() => PHONE));
    const calls = kms.commandCalls(DecryptCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: { purpose: 'phone-number' },
    });
  });

  it('opens numbers sealed under different data keys, one Decrypt each', async () => {
    const first = await vault().seal(PHONE);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: OTHER_KEY, CiphertextBlob: OTHER_BLOB });
    const second = await vault().seal('+84987654321');
    const r = reader();
    expect([await r.open(first), await r.open(second), await r.open(first)]).toEqual([
      PHONE,
      '+84987654321',
      PHONE,
    ]);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });

  it.each([
    ['the ciphertext', 3],
    ['the tag', 4],
    ['the iv', 2],
  ])('refuses a number whose %s was altered', async (_, part) => {
    const parts = (await vault().seal(PHONE)).split('.');
    const bytes = Buffer.from(parts[part]!, 'base64url');
    bytes[0]! ^= 0x01;
    parts[part] = bytes.toString('base64url');
    expect(await failure(reader().open(parts.join('.')))).toBeInstanceOf(SealedPhoneError);
  });

  it('refuses a number moved under another data key, and a data key KMS did not make', async () => {
    const parts = (await vault().seal(PHONE)).split('.');
    const moved = [parts[0], OTHER_BLOB.toString('base64url'), ...parts.slice(2)].join('.');
    expect(await failure(reader().open(moved))).toBeInstanceOf(SealedPhoneError);
    const forged = [parts[0], Buffer.from('forged').toString('base64url'), ...parts.slice(2)].join('.');
    expect((await failure(reader().open(forged))).name).toBe('InvalidCiphertextException');
  });

  it('refuses what is not a sealed number: a plain number, an unknown version, a short tag', async () => {
    const sealed = await vault().seal(PHONE);
    const r = reader();
    expect(await failure(r.open(PHONE))).toBeInstanceOf(SealedPhoneError);
    expect(await failure(r.open(sealed.replace(/^v1\./, 'v2.')))).toBeInstanceOf(SealedPhoneError);
    expect(await failure(r.open(sealed.replace(/\.[\w-]+$/, '.AAAA')))).toBeInstanceOf(SealedPhoneError);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('does not keep a failed Decrypt: the next open asks KMS again', async () => {
    const sealed = await vault().seal(PHONE);
    kms.on(DecryptCommand).rejectsOnce(throttled()).resolves({ Plaintext: DATA_KEY });
    const r = reader();
    expect((await failure(r.open(sealed))).name).toBe('ThrottlingException');
    expect(await r.open(sealed)).toBe(PHONE);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });
});

describe('the phone configuration', () => {
  const env = { [PHONE_ENV.phoneKeyId]: KEY_ARN, [PHONE_ENV.phoneHashSecretArn]: SECRET_ARN };

  it('reads the key and the secret ARNs', () => {
    expect(loadPhoneConfig(env)).toEqual({ phoneKeyId: KEY_ARN, phoneHashSecretArn: SECRET_ARN });
  });

  it('fails naming each missing or malformed variable', () => {
    expect(() => loadPhoneConfig({})).toThrow(/PHONE_KEY_ID: .*; PHONE_HASH_SECRET_ARN: /);
    expect(() => loadPhoneConfig({ ...env, [PHONE_ENV.phoneKeyId]: 'alias/phones' })).toThrow(
      /PHONE_KEY_ID: a KMS key ARN/,
    );
    expect(() => loadPhoneConfig({ ...env, [PHONE_ENV.kmsEndpoint]: 'not a url' })).toThrow(/KMS_ENDPOINT/);
  });
});
