import { createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { base64url, errors as joseErrors, jwtVerify } from 'jose';
import {
  claimsOfPayload,
  GATE_AUDIENCE,
  type GateClaims,
  GateTokenRefused,
  gateIssuer,
  gatePayload,
} from '../core/gate-tokens.ts';
import type { GateTokenIssuer, GateTokenVerifier } from '../core/ports.ts';

const ALGORITHM = 'ES256';
/** ES256's signature in a JWS: r and s, 32 bytes each (RFC 7518 §3.4), where KMS answers DER. */
const COORDINATE_BYTES = 32;

/**
 * Gate tokens signed by the province's ECC_NIST_P256 KMS key (lib/gate-links.ts): ES256 JWTs whose private key never
 * leaves KMS. Issuing asks KMS to sign the JWS signing input (Sign, MessageType RAW, ECDSA_SHA_256); verifying
 * needs only the public key, fetched once per container (GetPublicKey) and checked with jose. The local stack runs
 * this very class against its KMS stand-in (src/local/kms.ts).
 */
export class KmsGateTokens implements GateTokenIssuer, GateTokenVerifier {
  private publicKey: Promise<KeyObject> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    private readonly provinceId: string,
  ) {}

  async issue(claims: GateClaims): Promise<string> {
    const header = { alg: ALGORITHM, typ: 'JWT' };
    const payload = gatePayload(claims, this.provinceId, randomUUID());
    const input = `${encodeJson(header)}.${encodeJson(payload)}`;
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: new TextEncoder().encode(input),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!out.Signature) throw new Error('KMS answered Sign without a signature');
    return `${input}.${base64url.encode(derToJose(out.Signature))}`;
  }

  async verify(token: string, now: Date): Promise<GateClaims> {
    const key = await this.key();
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: gateIssuer(this.provinceId),
        audience: GATE_AUDIENCE,
        algorithms: [ALGORITHM],
        requiredClaims: ['exp', 'iat'],
        currentDate: now,
      });
      return claimsOfPayload(payload as Record<string, unknown>, now);
    } catch (err) {
      if (err instanceof GateTokenRefused) throw err;
      // jose's refusals (signature, claims, a malformed token) are the token's fault; anything else is ours.
      if (err instanceof joseErrors.JOSEError) throw new GateTokenRefused(err.code);
      throw err;
    }
  }

  /** The public key, asked of KMS once; asked again on the next token after a failure. */
  private key(): Promise<KeyObject> {
    this.publicKey ??= this.kms
      .send(new GetPublicKeyCommand({ KeyId: this.keyId }))
      .then((out) => {
        if (!out.PublicKey) throw new Error('KMS answered GetPublicKey without a key');
        if (out.KeySpec !== 'ECC_NIST_P256')
          throw new Error(`The gate key is ${out.KeySpec}, not ECC_NIST_P256`);
        return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
      })
      .catch((err: unknown) => {
        this.publicKey = undefined;
        throw err;
      });
    return this.publicKey;
  }
}

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

/**
 * An ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, as KMS answers) to the fixed-width r‖s a JWS
 * carries: each integer without its sign byte, left-padded to 32 bytes.
 */
export function derToJose(der: Uint8Array): Uint8Array {
  const bad = () => new Error('Not a DER-encoded ECDSA P-256 signature');
  let at = 0;
  if (der[at++] !== 0x30) throw bad();
  const length = der[at++]!;
  // A P-256 signature is at most 72 bytes: its length always fits the short form.
  if (length & 0x80 || length !== der.length - 2) throw bad();
  const out = new Uint8Array(2 * COORDINATE_BYTES);
  for (const offset of [0, COORDINATE_BYTES]) {
    if (der[at++] !== 0x02) throw bad();
    let size = der[at++]!;
    if (size === 0 || at + size > der.length) throw bad();
    while (size > COORDINATE_BYTES && der[at] === 0) {
      at++;
      size--;
    }
    if (size > COORDINATE_BYTES) throw bad();
    out.set(der.subarray(at, at + size), offset + COORDINATE_BYTES - size);
    at += size;
  }
  if (at !== der.length) throw bad();
  return out;
}
