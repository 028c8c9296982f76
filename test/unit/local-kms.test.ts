import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeKmsClient, makeSecretsClient } from '../../src/adapters/clients.ts';
import { KmsPhoneReader, KmsPhoneVault, SecretsManagerHashKey } from '../../src/adapters/phone-vault.ts';
import { type LocalKms, startLocalKms } from '../../src/local/kms.ts';

/**
 * The local KMS / Secrets Manager stand-in, driven by the real AWS SDK clients over its JSON protocol: what it
 * answers, what it refuses, and what it keeps in the data folder.
 */

const KEY = 'phone numbers';
const SIGNING_KEY = 'gate links';
const SECRET = 'vaora/quang-ninh/phone-hash';
const CONTEXT = { purpose: 'phone-number' };

let dataDir: string;
let local: LocalKms;
let kms: KMSClient;
let secrets: SecretsManagerClient;

async function start(): Promise<void> {
  local = await startLocalKms({ dataDir, keys: [KEY], signingKeys: [SIGNING_KEY], secrets: [SECRET] });
  kms = makeKmsClient({ kmsEndpoint: local.endpoint });
  secrets = makeSecretsClient({ kmsEndpoint: local.endpoint });
}

async function stop(): Promise<void> {
  kms.destroy();
  secrets.destroy();
  await local.stop();
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vaora-kms-'));
  await start();
});

afterEach(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: Error) => err.name,
  );
}

async function dataKey(context: Record<string, string> = CONTEXT) {
  const out = await kms.send(
    new GenerateDataKeyCommand({ KeyId: local.keyArn(KEY), KeySpec: 'AES_256', EncryptionContext: context }),
  );
  return { plaintext: Buffer.from(out.Plaintext!), blob: Buffer.from(out.CiphertextBlob!), keyId: out.KeyId };
}

describe('the local KMS', () => {
  it('makes a 256-bit data key and opens its ciphertext back to the same key', async () => {
    const made = await dataKey();
    expect(made.plaintext).toHaveLength(32);
    expect(made.keyId).toBe(local.keyArn(KEY));
    expect(made.blob.includes(made.plaintext)).toBe(false);
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: made.blob, KeyId: local.keyArn(KEY), EncryptionContext: CONTEXT }),
    );
    expect(Buffer.from(opened.Plaintext!).equals(made.plaintext)).toBe(true);
    expect(opened.KeyId).toBe(local.keyArn(KEY));
  });

  it('refuses a ciphertext with one bit flipped, as InvalidCiphertextException', async () => {
    const { blob } = await dataKey();
    for (const at of [0, 5, 20, 40, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[at]! ^= 0x01;
      expect(
        await errorName(
          kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: CONTEXT })),
        ),
      ).toBe('InvalidCiphertextException');
    }
  });

  it('refuses a ciphertext it did not make, and one opened with another encryption context', async () => {
    const { blob } = await dataKey();
    const foreign = Buffer.alloc(blob.length, 7);
    expect(
      await errorName(kms.send(new DecryptCommand({ CiphertextBlob: foreign, EncryptionContext: CONTEXT }))),
    ).toBe('InvalidCiphertextException');
    expect(
      await errorName(
        kms.send(
          new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { purpose: 'something-else' } }),
        ),
      ),
    ).toBe('InvalidCiphertextException');
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob: blob })))).toBe(
      'InvalidCiphertextException',
    );
  });

  it('refuses an unknown key id as NotFoundException', async () => {
    const unknown = 'arn:aws:kms:ap-southeast-1:000000000000:key/00000000-0000-4000-8000-000000000000';
    expect(
      await errorName(kms.send(new GenerateDataKeyCommand({ KeyId: unknown, KeySpec: 'AES_256' }))),
    ).toBe('NotFoundException');
    const { blob } = await dataKey();
    expect(
      await errorName(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: unknown, EncryptionContext: CONTEXT })),
      ),
    ).toBe('NotFoundException');
  });

  it('refuses an unknown operation, and an unsigned request, with a 400', async () => {
    const unknown = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.ScheduleKeyDeletion',
        authorization: 'AWS4-HMAC-SHA256 Credential=x',
      },
      body: '{}',
    });
    expect([unknown.status, ((await unknown.json()) as { __type: string }).__type]).toEqual([
      400,
      'UnknownOperationException',
    ]);
    const unsigned = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.GenerateDataKey',
      },
      body: JSON.stringify({ KeyId: local.keyArn(KEY), KeySpec: 'AES_256' }),
    });
    expect([unsigned.status, ((await unsigned.json()) as { __type: string }).__type]).toEqual([
      400,
      'MissingAuthenticationTokenException',
    ]);
  });

  it('keeps its key material in <dataDir>/keys, readable by its owner only, and opens old ciphertexts after a restart', async () => {
    const made = await dataKey();
    const keyArn = local.keyArn(KEY);
    const secretArn = local.secretArn(SECRET);
    await stop();
    await start();
    expect([local.keyArn(KEY), local.secretArn(SECRET)]).toEqual([keyArn, secretArn]);
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: made.blob, EncryptionContext: CONTEXT }),
    );
    expect(Buffer.from(opened.Plaintext!).equals(made.plaintext)).toBe(true);

    const dir = join(dataDir, 'keys');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(['kms-keys.json', 'secrets.json']);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
  });
});

describe('the local Secrets Manager', () => {
  it('answers the secret by name or ARN: 43 random characters, the same after a restart', async () => {
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: local.secretArn(SECRET) }));
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(byArn.SecretString).toMatch(/^[\w-]{43}$/);
    expect(byName.SecretString).toBe(byArn.SecretString);
    expect(byArn.ARN).toBe(local.secretArn(SECRET));
    await stop();
    await start();
    const again = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(again.SecretString).toBe(byArn.SecretString);
  });

  it('refuses an unknown secret as ResourceNotFoundException', async () => {
    expect(await errorName(secrets.send(new GetSecretValueCommand({ SecretId: 'vaora/other' })))).toBe(
      'ResourceNotFoundException',
    );
  });
});

describe('the phone vault against the stand-ins', () => {
  it('seals with a data key from the local KMS and a reader opens it; a tampered number is refused', async () => {
    const hashKey = new SecretsManagerHashKey(secrets, local.secretArn(SECRET));
    const vault = new KmsPhoneVault(kms, local.keyArn(KEY), hashKey);
    const reader = new KmsPhoneReader(kms, local.keyArn(KEY), hashKey);
    const sealed = await vault.seal('+84912345678');
    expect(sealed).not.toContain('912345678');
    expect(await reader.open(sealed)).toBe('+84912345678');
    expect(await reader.hash('+84912345678')).toBe(await vault.hash('+84912345678'));

    const parts = sealed.split('.');
    const key = Buffer.from(parts[1]!, 'base64url');
    key[key.length - 1]! ^= 0x01;
    const otherKey = [parts[0], key.toString('base64url'), ...parts.slice(2)].join('.');
    // A fresh reader: nothing cached, so the altered data key goes to KMS, which refuses it.
    const fresh = new KmsPhoneReader(kms, local.keyArn(KEY), hashKey);
    expect(await errorName(fresh.open(otherKey))).toBe('InvalidCiphertextException');
  });
});

describe('ECC_NIST_P256 signing keys', () => {
  const signed = (message: string, over: Record<string, unknown> = {}) =>
    kms.send(
      new SignCommand({
        KeyId: local.keyArn(SIGNING_KEY),
        Message: Buffer.from(message),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
        ...over,
      }),
    );

  it('sign a RAW message (ECDSA_SHA_256, DER) that its public key verifies, kept across a restart', async () => {
    const out = await signed('header.payload');
    expect(out).toMatchObject({ KeyId: local.keyArn(SIGNING_KEY), SigningAlgorithm: 'ECDSA_SHA_256' });
    const key = await kms.send(new GetPublicKeyCommand({ KeyId: local.keyArn(SIGNING_KEY) }));
    expect(key).toMatchObject({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    const publicKey = createPublicKey({ key: Buffer.from(key.PublicKey!), format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from('header.payload'), publicKey, Buffer.from(out.Signature!))).toBe(
      true,
    );
    expect(verify('sha256', Buffer.from('header.payloaD'), publicKey, Buffer.from(out.Signature!))).toBe(
      false,
    );

    await stop();
    await start();
    const again = await signed('header.payload');
    expect(verify('sha256', Buffer.from('header.payload'), publicKey, Buffer.from(again.Signature!))).toBe(
      true,
    );
  });

  it('refuse what KMS refuses: another algorithm, a symmetric key to sign, a signing key to make data keys', async () => {
    expect(await errorName(signed('m', { SigningAlgorithm: 'ECDSA_SHA_384' }))).toBe(
      'InvalidKeyUsageException',
    );
    expect(await errorName(signed('m', { KeyId: local.keyArn(KEY) }))).toBe('InvalidKeyUsageException');
    expect(await errorName(kms.send(new GetPublicKeyCommand({ KeyId: local.keyArn(KEY) })))).toBe(
      'InvalidKeyUsageException',
    );
    expect(
      await errorName(
        kms.send(new GenerateDataKeyCommand({ KeyId: local.keyArn(SIGNING_KEY), KeySpec: 'AES_256' })),
      ),
    ).toBe('InvalidKeyUsageException');
    expect(await errorName(signed('x'.repeat(4097)))).toBe('ValidationException');
  });
});
