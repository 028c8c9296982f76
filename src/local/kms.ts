import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * The local stand-in for the province's KMS key and Secrets Manager secret, which cannot run on this machine. It
 * speaks the services' own JSON protocol (`application/x-amz-json-1.1`, `X-Amz-Target: TrentService.<op>` or
 * `secretsmanager.<op>`) on a loopback port, so the very AWS adapters of src/adapters/phone-vault.ts run
 * against it through an endpoint override (KMS_ENDPOINT), as they run against AWS.
 *
 * Only what vaora calls: KMS GenerateDataKey and Decrypt (symmetric keys), Sign and GetPublicKey (ECC_NIST_P256
 * signing keys, ECDSA_SHA_256), Secrets Manager GetSecretValue. It refuses what the real services refuse: an
 * unknown key (NotFoundException), a key used against its usage or with another algorithm (InvalidKeyUsageException),
 * a digest of the wrong length (ValidationException), a ciphertext it did not make, that was altered or
 * that is given another encryption context (InvalidCiphertextException), a ciphertext of another key than the
 * one named (IncorrectKeyException), an unknown secret (ResourceNotFoundException), an unsigned request
 * (MissingAuthenticationTokenException) and an unknown operation (400 UnknownOperationException).
 *
 * Key material and secrets live in `<dataDir>/keys/` (folder 0700, files 0600), made on the first start and
 * kept after, so numbers sealed before a restart open after it.
 */

const REGION = 'ap-southeast-1';
const ACCOUNT = '000000000000';
const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** API Gateway's and the services' own limit is far larger; nothing vaora sends comes near this. */
const MAX_BODY_BYTES = 64 * 1024;

interface KeyFile {
  /** `spec` absent: a symmetric key (32 random bytes); `ECC_NIST_P256`: a signing key, its PKCS#8 DER. */
  keys: Record<string, { material: string; description: string; createdAt: string; spec?: 'ECC_NIST_P256' }>;
}

/** The only asymmetric key spec and algorithm vaora uses (the gate links' key, lib/gate-links.ts). */
const SIGNING_SPEC = 'ECC_NIST_P256';
const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

interface SecretFile {
  secrets: Record<string, { arn: string; value: string; versionId: string; createdAt: string }>;
}

export interface LocalKms {
  endpoint: string;
  /** The ARN of the key made for `description` on the first start. */
  keyArn(description: string): string;
  /** The ARN of the secret `name`. */
  secretArn(name: string): string;
  stop(): Promise<void>;
}

/** What a real AWS JSON service answers for a refused request: a 400 with the error's type. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const keyArnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;

/**
 * Starts the stand-in on a free loopback port, making (once, in `<dataDir>/keys/`) a key for each of `keys`
 * (by description) and a random secret for each of `secrets` (by name).
 */
export async function startLocalKms(options: {
  dataDir: string;
  keys: readonly string[];
  /** ECC_NIST_P256 signing keys (KeyUsage SIGN_VERIFY), by description. */
  signingKeys?: readonly string[];
  secrets: readonly string[];
  port?: number;
}): Promise<LocalKms> {
  const store = new KeyStore(join(options.dataDir, 'keys'));
  for (const description of options.keys) store.ensureKey(description);
  for (const description of options.signingKeys ?? []) store.ensureSigningKey(description);
  for (const name of options.secrets) store.ensureSecret(name);

  const server: Server = createServer((req, res) => {
    handle(req, store)
      .then((body) => reply(res, 200, body))
      .catch((err: unknown) => {
        const error =
          err instanceof ServiceError ? err : new ServiceError('KMSInternalException', 'Internal error', 500);
        reply(res, error.status, { __type: error.type, message: error.message }, error.type);
      });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyArn: (description) => keyArnOf(store.keyIdOf(description)),
    secretArn: (name) => store.secretArnOf(name),
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, store: KeyStore): Promise<unknown> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = OPERATIONS[target];
  if (req.method !== 'POST' || !operation) {
    throw new ServiceError('UnknownOperationException', `Unknown operation ${target || '(none)'}`);
  }
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
    throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const raw = await readBody(req);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ServiceError('SerializationException', 'The request body is not a JSON object');
  }
  return operation(store, input);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ServiceError('ValidationException', 'The request is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

type Operation = (store: KeyStore, input: Record<string, unknown>) => unknown;

const OPERATIONS: Record<string, Operation> = {
  'TrentService.GenerateDataKey': (store, input) => {
    const keyId = store.resolveKey(input.KeyId, 'ENCRYPT_DECRYPT');
    const bytes = dataKeyLength(input.KeySpec, input.NumberOfBytes);
    const context = encryptionContext(input.EncryptionContext);
    const plaintext = randomBytes(bytes);
    return {
      KeyId: keyArnOf(keyId),
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: store.encrypt(keyId, plaintext, context).toString('base64'),
    };
  },
  'TrentService.Decrypt': (store, input) => {
    if (typeof input.CiphertextBlob !== 'string' || input.CiphertextBlob.length === 0) {
      throw new ServiceError('ValidationException', 'CiphertextBlob is required');
    }
    const named = input.KeyId === undefined ? undefined : store.resolveKey(input.KeyId, 'ENCRYPT_DECRYPT');
    const context = encryptionContext(input.EncryptionContext);
    const { keyId, plaintext } = store.decrypt(Buffer.from(input.CiphertextBlob, 'base64'), context);
    if (named !== undefined && named !== keyId) {
      throw new ServiceError('IncorrectKeyException', 'The ciphertext was encrypted under another key');
    }
    return {
      KeyId: keyArnOf(keyId),
      Plaintext: plaintext.toString('base64'),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
  // ECDSA with SHA-256 over the message (MessageType RAW, what vaora sends), the signature DER-encoded as KMS
  // returns it. DIGEST (a hash computed by the caller) is not played here: vaora never sends one.
  'TrentService.Sign': (store, input) => {
    const keyId = store.resolveKey(input.KeyId, 'SIGN_VERIFY');
    if (input.SigningAlgorithm !== SIGNING_ALGORITHM) {
      throw new ServiceError(
        'InvalidKeyUsageException',
        `The key cannot sign with ${String(input.SigningAlgorithm)}`,
      );
    }
    if (typeof input.Message !== 'string' || input.Message.length === 0) {
      throw new ServiceError('ValidationException', 'Message is required');
    }
    if ((input.MessageType ?? 'RAW') !== 'RAW') {
      throw new ServiceError('ValidationException', 'The local stand-in signs RAW messages only');
    }
    const message = Buffer.from(input.Message, 'base64');
    if (message.length > 4096) {
      throw new ServiceError('ValidationException', 'A RAW message is at most 4096 bytes');
    }
    return {
      KeyId: keyArnOf(keyId),
      Signature: sign('sha256', message, store.privateKey(keyId)).toString('base64'),
      SigningAlgorithm: SIGNING_ALGORITHM,
    };
  },
  'TrentService.GetPublicKey': (store, input) => {
    const keyId = store.resolveKey(input.KeyId, 'SIGN_VERIFY');
    return {
      KeyId: keyArnOf(keyId),
      PublicKey: createPublicKey(store.privateKey(keyId))
        .export({ format: 'der', type: 'spki' })
        .toString('base64'),
      KeySpec: SIGNING_SPEC,
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: [SIGNING_ALGORITHM],
    };
  },
  'secretsmanager.GetSecretValue': (store, input) => {
    const { name, secret } = store.resolveSecret(input.SecretId);
    if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') {
      throw new ServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value",
      );
    }
    return {
      ARN: secret.arn,
      Name: name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.parse(secret.createdAt) / 1000,
    };
  },
};

function dataKeyLength(spec: unknown, numberOfBytes: unknown): number {
  if ((spec === undefined) === (numberOfBytes === undefined)) {
    throw new ServiceError('ValidationException', 'Specify exactly one of KeySpec and NumberOfBytes');
  }
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  if (typeof numberOfBytes === 'number' && Number.isInteger(numberOfBytes) && numberOfBytes >= 1) {
    if (numberOfBytes <= 1024) return numberOfBytes;
  }
  throw new ServiceError(
    'ValidationException',
    'KeySpec must be AES_256 or AES_128; NumberOfBytes 1 to 1024',
  );
}

function encryptionContext(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServiceError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  for (const v of Object.values(value)) {
    if (typeof v !== 'string')
      throw new ServiceError('ValidationException', 'EncryptionContext values are strings');
  }
  return value as Record<string, string>;
}

/** The context as bytes, independent of key order: it is authenticated with the data key, as in KMS. */
const contextBytes = (context: Record<string, string>) =>
  Buffer.from(
    JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    'utf8',
  );

class KeyStore {
  private readonly keyFile: string;
  private readonly secretFile: string;
  private keys: KeyFile;
  private secrets: SecretFile;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.keyFile = join(dir, 'kms-keys.json');
    this.secretFile = join(dir, 'secrets.json');
    this.keys = readJson<KeyFile>(this.keyFile) ?? { keys: {} };
    this.secrets = readJson<SecretFile>(this.secretFile) ?? { secrets: {} };
  }

  ensureKey(description: string): void {
    if (this.findKey(description)) return;
    this.keys.keys[randomUUID()] = {
      material: randomBytes(32).toString('base64'),
      description,
      createdAt: new Date().toISOString(),
    };
    writeSecretJson(this.keyFile, this.keys);
  }

  ensureSigningKey(description: string): void {
    if (this.findKey(description)) return;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keys.keys[randomUUID()] = {
      material: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      description,
      createdAt: new Date().toISOString(),
      spec: SIGNING_SPEC,
    };
    writeSecretJson(this.keyFile, this.keys);
  }

  privateKey(keyId: string) {
    return createPrivateKey({ key: this.material(keyId), format: 'der', type: 'pkcs8' });
  }

  ensureSecret(name: string): void {
    if (this.secrets.secrets[name]) return;
    this.secrets.secrets[name] = {
      // Secrets Manager's own ARN shape: the name, a dash and six random characters.
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomBytes(6).toString('base64url').slice(0, 6)}`,
      value: randomBytes(32).toString('base64url'),
      versionId: randomUUID(),
      createdAt: new Date().toISOString(),
    };
    writeSecretJson(this.secretFile, this.secrets);
  }

  keyIdOf(description: string): string {
    const id = this.findKey(description);
    if (!id) throw new Error(`The local KMS has no key for ${description}`);
    return id;
  }

  secretArnOf(name: string): string {
    const secret = this.secrets.secrets[name];
    if (!secret) throw new Error(`The local Secrets Manager has no secret ${name}`);
    return secret.arn;
  }

  /**
   * A key id or key ARN, as KMS accepts them (aliases are not made here, so never found), of the usage the
   * operation needs: a signing key cannot make data keys, a symmetric key cannot sign.
   */
  resolveKey(value: unknown, usage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY'): string {
    if (typeof value !== 'string' || value.length === 0) {
      throw new ServiceError('ValidationException', 'KeyId is required');
    }
    const id = value.startsWith('arn:') ? arnKeyId(value) : value;
    const key = id ? this.keys.keys[id] : undefined;
    if (!id || !key) throw new ServiceError('NotFoundException', `Key '${value}' does not exist`);
    if ((key.spec === SIGNING_SPEC) !== (usage === 'SIGN_VERIFY')) {
      throw new ServiceError('InvalidKeyUsageException', `Key '${value}' is not a ${usage} key`);
    }
    return id;
  }

  resolveSecret(value: unknown): { name: string; secret: SecretFile['secrets'][string] } {
    if (typeof value !== 'string' || value.length === 0) {
      throw new ServiceError('ValidationException', 'SecretId is required');
    }
    for (const [name, secret] of Object.entries(this.secrets.secrets)) {
      if (value === name || value === secret.arn) return { name, secret };
    }
    throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  /** `[version][key id, 16 bytes][iv][tag][ciphertext]`, the key id and context authenticated with it. */
  encrypt(keyId: string, plaintext: Buffer, context: Record<string, string>): Buffer {
    const idBytes = uuidBytes(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.material(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([Buffer.from([BLOB_VERSION]), idBytes, contextBytes(context)]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), idBytes, iv, cipher.getAuthTag(), ciphertext]);
  }

  decrypt(blob: Buffer, context: Record<string, string>): { keyId: string; plaintext: Buffer } {
    const refused = new ServiceError('InvalidCiphertextException', 'The ciphertext is invalid');
    const header = 1 + 16 + IV_BYTES + TAG_BYTES;
    if (blob.length <= header || blob[0] !== BLOB_VERSION) throw refused;
    const idBytes = blob.subarray(1, 17);
    const keyId = uuidString(idBytes);
    if (!this.keys.keys[keyId]) throw refused;
    const iv = blob.subarray(17, 17 + IV_BYTES);
    const tag = blob.subarray(17 + IV_BYTES, header);
    const decipher = createDecipheriv('aes-256-gcm', this.material(keyId), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([Buffer.from([BLOB_VERSION]), idBytes, contextBytes(context)]));
    decipher.setAuthTag(tag);
    try {
      return { keyId, plaintext: Buffer.concat([decipher.update(blob.subarray(header)), decipher.final()]) };
    } catch {
      throw refused;
    }
  }

  private material(keyId: string): Buffer {
    return Buffer.from(this.keys.keys[keyId]!.material, 'base64');
  }

  private findKey(description: string): string | undefined {
    return Object.entries(this.keys.keys).find(([, key]) => key.description === description)?.[0];
  }
}

function arnKeyId(arn: string): string | undefined {
  const match = /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f-]{36})$/.exec(arn);
  return match?.[1];
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Written whole with mode 0600, then renamed: a reader never sees half a file, nobody else reads it. */
function writeSecretJson(file: string, content: unknown): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
