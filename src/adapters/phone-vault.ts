import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PhoneConfig } from '../config.ts';
import type { PhoneReader, PhoneVault } from '../core/ports.ts';
import { makeKmsClient, makeSecretsClient } from './clients.ts';

/**
 * Phone numbers at rest, with the province's KMS key and hash secret.
 *
 * - The keyed hash: HMAC-SHA-256 of the E.164 number with the secret (read from Secrets Manager once per
 *   container), base64url. Lookups key on it; without the secret nobody can test a guess (Vietnam has about
 *   10^9 mobile numbers: an unkeyed hash of one is found in seconds).
 * - The sealed number: envelope encryption. A data key from KMS GenerateDataKey (AES-256) encrypts the number
 *   with AES-256-GCM; the data key's KMS ciphertext is stored beside it, in one string:
 *   `v1.<encrypted data key>.<iv>.<ciphertext>.<tag>`, each part base64url. A container keeps its data key and
 *   seals every number with it, so a check-in costs no KMS call after the container's first (until the key's
 *   age or use limit). Opening needs KMS Decrypt of that data key, which only a `PhoneReader` calls.
 *
 * Every data key carries PHONE_ENCRYPTION_CONTEXT, which the IAM grants require (lib/bindings.ts): a grant on
 * the key makes and opens phone numbers only.
 */

export const SEALED_VERSION = 'v1';
export const PHONE_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = { purpose: 'phone-number' };

const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A secret shorter than this is a mistake (the stack generates 64 characters; locally, 43). */
export const MIN_HASH_SECRET_LENGTH = 32;

export interface HashKeySource {
  get(): Promise<Buffer>;
}

/**
 * The hash secret from Secrets Manager, read once per container and kept; a failed read is not kept, so the next
 * request tries again instead of the container failing until it is recycled.
 */
export class SecretsManagerHashKey implements HashKeySource {
  private pending: Promise<Buffer> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  get(): Promise<Buffer> {
    this.pending ??= this.read().catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }

  private async read(): Promise<Buffer> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString || SecretString.length < MIN_HASH_SECRET_LENGTH) {
      throw new Error(`The phone hash secret must be at least ${MIN_HASH_SECRET_LENGTH} characters`);
    }
    return Buffer.from(SecretString, 'utf8');
  }
}

/** The keyed hash of an E.164 number. */
export function keyedPhoneHash(secret: Buffer, e164: string): string {
  return createHmac('sha256', secret).update(e164, 'utf8').digest('base64url');
}

/** A sealed string that is not one: wrong shape, unknown version, or altered after it was sealed. */
export class SealedPhoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedPhoneError';
  }
}

interface DataKey {
  plaintext: Buffer;
  /** The data key as KMS encrypted it, base64url: what a reader sends to KMS Decrypt. */
  encrypted: string;
  uses: number;
  expiresAt: number;
}

export interface DataKeyLimits {
  /** A container's data key is replaced after this long... */
  maxAgeMs: number;
  /** ...or this many seals (AES-GCM with random 96-bit IVs stays far from its 2^32 bound). */
  maxUses: number;
  now: () => number;
}

export const DEFAULT_DATA_KEY_LIMITS: DataKeyLimits = {
  maxAgeMs: 3_600_000,
  maxUses: 1_000_000,
  now: () => Date.now(),
};

/** Hashes and seals; cannot open (its function holds kms:GenerateDataKey, not kms:Decrypt). */
export class KmsPhoneVault implements PhoneVault {
  private key: DataKey | undefined;
  private pending: Promise<DataKey> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    private readonly hashKey: HashKeySource,
    private readonly limits: DataKeyLimits = DEFAULT_DATA_KEY_LIMITS,
  ) {}

  async hash(e164: string): Promise<string> {
    return keyedPhoneHash(await this.hashKey.get(), e164);
  }

  async seal(e164: string): Promise<string> {
    const key = await this.dataKey();
    return sealWithDataKey(key.plaintext, key.encrypted, e164);
  }

  /** The container's data key; concurrent first seals share one GenerateDataKey. */
  private async dataKey(): Promise<DataKey> {
    const key = this.key;
    if (key && key.uses < this.limits.maxUses && this.limits.now() < key.expiresAt) {
      key.uses++;
      return key;
    }
    this.pending ??= this.generate().finally(() => {
      this.pending = undefined;
    });
    const fresh = await this.pending;
    fresh.uses++;
    return fresh;
  }

  private async generate(): Promise<DataKey> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { ...PHONE_ENCRYPTION_CONTEXT },
      }),
    );
    if (out.Plaintext?.length !== DATA_KEY_BYTES || !out.CiphertextBlob?.length) {
      throw new Error('KMS GenerateDataKey answered without a 256-bit data key');
    }
    this.key = {
      plaintext: Buffer.from(out.Plaintext),
      encrypted: b64(out.CiphertextBlob),
      uses: 0,
      expiresAt: this.limits.now() + this.limits.maxAgeMs,
    };
    return this.key;
  }
}

/**
 * Hashes and opens: for the functions that must reach a person (tracing exports, alerts), which hold
 * kms:Decrypt. Each data key is decrypted once and kept, by its ciphertext (a container seals thousands of
 * numbers with one data key, so a tracing export opens them with a few KMS calls).
 */
export class KmsPhoneReader implements PhoneReader {
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    private readonly hashKey: HashKeySource,
    private readonly cacheSize = 256,
  ) {}

  async hash(e164: string): Promise<string> {
    return keyedPhoneHash(await this.hashKey.get(), e164);
  }

  async open(sealed: string): Promise<string> {
    const parsed = parseSealed(sealed);
    return openWithDataKey(await this.dataKey(parsed.encryptedKey), parsed);
  }

  private dataKey(encrypted: string): Promise<Buffer> {
    const known = this.keys.get(encrypted);
    if (known) return known;
    const opening = this.kms
      .send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(encrypted, 'base64url'),
          KeyId: this.keyId,
          EncryptionContext: { ...PHONE_ENCRYPTION_CONTEXT },
        }),
      )
      .then(({ Plaintext }) => {
        if (Plaintext?.length !== DATA_KEY_BYTES) throw new Error('KMS Decrypt answered without a data key');
        return Buffer.from(Plaintext);
      });
    // A failure (throttled, refused) is not kept: the next open asks again.
    opening.catch(() => {
      if (this.keys.get(encrypted) === opening) this.keys.delete(encrypted);
    });
    if (this.keys.size >= this.cacheSize) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(encrypted, opening);
    return opening;
  }
}

/** A sealed string's parts, checked for shape (not yet for authenticity: that needs the data key). */
export interface SealedParts {
  encryptedKey: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function parseSealed(sealed: string): SealedParts {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== SEALED_VERSION) {
    throw new SealedPhoneError(`Not a sealed phone number of version ${SEALED_VERSION}`);
  }
  const [, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const parsed = {
    encryptedKey,
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (!encryptedKey || parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES) {
    throw new SealedPhoneError('A sealed phone number with a malformed data key, iv or tag');
  }
  return parsed;
}

/** AES-256-GCM under a data key; `encryptedKey` is stored beside it (and authenticated with it). */
export function sealWithDataKey(dataKey: Buffer, encryptedKey: string, e164: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(encryptedKey));
  const ciphertext = Buffer.concat([cipher.update(e164, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, encryptedKey, b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join('.');
}

export function openWithDataKey(dataKey: Buffer, parts: SealedParts): string {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, parts.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(parts.encryptedKey));
  decipher.setAuthTag(parts.tag);
  try {
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedPhoneError('A sealed phone number that was altered after it was sealed');
  }
}

/** The vault of the functions that hash and seal (binding `phones:seal`), built from their configuration. */
export function makePhoneVault(config: PhoneConfig): KmsPhoneVault {
  return new KmsPhoneVault(makeKmsClient(config), config.phoneKeyId, hashKeyOf(config));
}

/** The reader of the functions that must read numbers (binding `phones:open`). */
export function makePhoneReader(config: PhoneConfig): KmsPhoneReader {
  return new KmsPhoneReader(makeKmsClient(config), config.phoneKeyId, hashKeyOf(config));
}

const hashKeyOf = (config: PhoneConfig) =>
  new SecretsManagerHashKey(makeSecretsClient(config), config.phoneHashSecretArn);

/** The GCM tag covers the version and the data key too: a ciphertext moved under another data key is refused. */
const additionalData = (encryptedKey: string) => Buffer.from(`${SEALED_VERSION}.${encryptedKey}`, 'utf8');

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
