import { generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { derToJose, KmsGateTokens } from '../../src/adapters/gate-tokens.ts';
import type { AuditLog, AuditRecord } from '../../src/core/audit.ts';
import { deactivateCheckpoint, registerCheckpoint } from '../../src/core/checkpoints.ts';
import { makeGateLink } from '../../src/core/gate-links.ts';
import {
  assertGateReaches,
  claimsOfPayload,
  type GateClaims,
  GateTokenRefused,
  gatePayload,
} from '../../src/core/gate-tokens.ts';
import type { GatePrincipal, Principal, Unit } from '../../src/core/model.ts';
import type { GateTokenIssuer } from '../../src/core/ports.ts';
import { fixedClock } from '../../src/core/time.ts';
import { MemoryRegistry } from './fakes.ts';

const NOW = '2022-01-10T02:00:00.000Z';
const QUANG_HA: Unit = {
  id: 'quang-ha',
  name: 'Thị trấn Quảng Hà',
  kind: 'commune',
  parentId: 'hai-ha',
  path: ['quang-ninh', 'hai-ha', 'quang-ha'],
  createdAt: '2021-01-01T00:00:00.000Z',
};
const as = (role: Principal['role'], unitId: string): Principal => ({
  subject: `${role}@${unitId}`,
  role,
  unitId,
});
const MANAGER = as('unit-manager', 'quang-ha');

class MemoryAudit implements AuditLog {
  readonly records: AuditRecord[] = [];
  async append(r: AuditRecord) {
    this.records.push(r);
  }
  async readDay() {
    return this.records;
  }
}

/** Records what it was asked to sign; its token is the claims, readable by the test. */
class RecordingIssuer implements GateTokenIssuer {
  readonly issued: GateClaims[] = [];
  async issue(claims: GateClaims) {
    this.issued.push(claims);
    return `token-${this.issued.length}`;
  }
}

describe('makeGateLink', () => {
  let registry: MemoryRegistry;
  let audit: MemoryAudit;
  let issuer: RecordingIssuer;
  let id: string;
  let code: string;
  const deps = () => ({
    checkpoints: registry,
    issuer,
    audit,
    clock: fixedClock(NOW),
    auditRetentionDays: 365,
    publicBaseUrl: 'https://vaora.example',
  });

  beforeEach(async () => {
    registry = new MemoryRegistry();
    audit = new MemoryAudit();
    issuer = new RecordingIssuer();
    const { checkpoint } = await registerCheckpoint(
      {
        units: registry,
        checkpoints: registry,
        clock: fixedClock(NOW),
        publicBaseUrl: 'https://vaora.example',
        namingRule: '{kind} - {placeName} - {address}',
      },
      QUANG_HA,
      { kind: 'factory', placeName: 'Nhà máy may', address: 'KCN Texhong' },
    );
    ({ id, code } = checkpoint);
  });

  it('makes a link to the gate page for a shift (12 hours) by default, the token in the fragment', async () => {
    const link = await makeGateLink(deps(), MANAGER, id);
    expect(link).toEqual({
      url: `https://vaora.example/g/${code}#token=token-1`,
      expiresAt: '2022-01-10T14:00:00.000Z',
      checkpointId: id,
      code,
      hours: 12,
    });
    expect(issuer.issued).toEqual([
      {
        checkpointId: id,
        unitId: 'quang-ha',
        subject: 'unit-manager@quang-ha',
        issuedAt: new Date(NOW),
        expiresAt: new Date('2022-01-10T14:00:00.000Z'),
      },
    ]);
  });

  it('takes 1 to 12 whole hours, and refuses anything else naming hours, signing and auditing nothing', async () => {
    expect((await makeGateLink(deps(), MANAGER, id, 1)).expiresAt).toBe('2022-01-10T03:00:00.000Z');
    for (const hours of [0, 13, 1.5, -1, Number.NaN]) {
      await expect(makeGateLink(deps(), MANAGER, id, hours)).rejects.toMatchObject({
        status: 400,
        details: [{ path: 'hours' }],
      });
    }
    expect(issuer.issued).toHaveLength(1);
    expect(audit.records).toHaveLength(1);
  });

  it('audits who made a link for which checkpoint, and until when, in the checkpoint’s scope', async () => {
    await makeGateLink(deps(), as('admin', 'hai-ha'), id, 8);
    expect(audit.records).toEqual([
      expect.objectContaining({
        at: NOW,
        subject: 'admin@hai-ha',
        role: 'admin',
        unitId: 'hai-ha',
        action: 'gate-link.create',
        caseUnitPath: ['quang-ninh', 'hai-ha', 'quang-ha'],
        target: id,
        from: NOW,
        to: '2022-01-10T10:00:00.000Z',
      }),
    ]);
    expect(audit.records[0]).not.toHaveProperty('caseId');
  });

  it('is for unit-managers and admins whose scope covers the checkpoint only', async () => {
    for (const principal of [as('unit-manager', 'cai-chien'), as('tracer', 'quang-ninh')]) {
      await expect(makeGateLink(deps(), principal, id)).rejects.toMatchObject({ status: 403 });
    }
    await expect(makeGateLink(deps(), MANAGER, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    expect(issuer.issued).toEqual([]);
    expect(audit.records).toEqual([]);
  });

  it('gives a deactivated checkpoint no link (409)', async () => {
    await deactivateCheckpoint(
      { checkpoints: registry, publicBaseUrl: 'https://vaora.example' },
      MANAGER,
      id,
    );
    await expect(makeGateLink(deps(), MANAGER, id)).rejects.toMatchObject({
      status: 409,
      code: 'checkpoint_inactive',
    });
  });
});

describe('a gate token’s claims', () => {
  const claims: GateClaims = {
    checkpointId: 'cp-1',
    unitId: 'quang-ha',
    subject: 'm',
    issuedAt: new Date(NOW),
    expiresAt: new Date('2022-01-10T14:00:00.000Z'),
  };
  const payload = (over: Partial<GateClaims> = {}) => gatePayload({ ...claims, ...over }, 'quang-ninh', 'j');

  it('read back as they were issued while the shift lasts', () => {
    expect(claimsOfPayload(payload(), new Date('2022-01-10T13:59:59Z'))).toEqual(claims);
  });

  it('are refused once expired, issued in the future, longer than a shift, or not a gate token’s', () => {
    const refused = (p: Record<string, unknown>, now = new Date(NOW)) =>
      expect(() => claimsOfPayload(p, now)).toThrow(GateTokenRefused);
    refused(payload(), new Date('2022-01-10T14:00:00Z'));
    refused(payload({ issuedAt: new Date('2022-01-10T02:02:00Z') }));
    refused(payload({ expiresAt: new Date('2022-01-10T14:00:01Z') }));
    refused({ ...payload(), 'custom:role': 'admin' });
    refused({ ...payload(), 'vaora:checkpoint': undefined });
  });

  it('reach their own checkpoint only, and not after they expire (checked again behind the cached authorizer)', () => {
    const caller: GatePrincipal = {
      role: 'gate',
      subject: 'm',
      unitId: 'quang-ha',
      checkpointId: 'cp-1',
      expiresAt: new Date('2022-01-10T14:00:00Z'),
    };
    expect(() => assertGateReaches(caller, 'cp-1', new Date(NOW))).not.toThrow();
    expect(() => assertGateReaches(caller, 'cp-2', new Date(NOW))).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => assertGateReaches(caller, 'cp-1', new Date('2022-01-10T14:00:00Z'))).toThrow(
      expect.objectContaining({ status: 401 }),
    );
  });
});

describe('KmsGateTokens (aws-sdk-client-mock)', () => {
  const KEY = 'arn:aws:kms:ap-southeast-1:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab';
  const kms = mockClient(KMSClient);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const claims: GateClaims = {
    checkpointId: 'cp-1',
    unitId: 'quang-ha',
    subject: 'm',
    issuedAt: new Date(Date.parse(NOW)),
    expiresAt: new Date('2022-01-10T14:00:00.000Z'),
  };
  const tokens = () => new KmsGateTokens(new KMSClient({ region: 'ap-southeast-1' }), KEY, 'quang-ninh');
  /** What KMS does with the key: ECDSA-SHA-256 over the message, DER-encoded. */
  const kmsSigns = () =>
    kms.on(SignCommand).callsFake((input) => ({
      KeyId: KEY,
      Signature: new Uint8Array(sign('sha256', Buffer.from(input.Message), privateKey)),
      SigningAlgorithm: 'ECDSA_SHA_256',
    }));
  const kmsGivesKey = () =>
    kms
      .on(GetPublicKeyCommand, { KeyId: KEY })
      .resolves({ KeyId: KEY, PublicKey: spki, KeySpec: 'ECC_NIST_P256' });

  beforeEach(() => kms.reset());

  it('asks KMS to sign the JWS input (RAW, ECDSA_SHA_256) and makes an ES256 JWT that verifies', async () => {
    kmsSigns();
    kmsGivesKey();
    const t = tokens();
    const token = await t.issue(claims);
    const sent = kms.commandCalls(SignCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ KeyId: KEY, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(sent.Message!).toString()).toBe(token.split('.').slice(0, 2).join('.'));
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'JWT',
    });
    const now = new Date('2022-01-10T03:00:00Z');
    expect(await t.verify(token, now)).toEqual(claims);
    expect(await t.verify(token, now)).toEqual(claims);
    // The public key is asked for once per container.
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('refuses a token expired, altered, signed by another key, or for another province', async () => {
    kmsSigns();
    kmsGivesKey();
    const t = tokens();
    const token = await t.issue(claims);
    await expect(t.verify(token, new Date('2022-01-10T14:00:01Z'))).rejects.toThrow(GateTokenRefused);
    const [h, p, s] = token.split('.');
    const altered = JSON.parse(Buffer.from(p!, 'base64url').toString());
    altered['vaora:checkpoint'] = 'cp-2';
    await expect(
      t.verify(`${h}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${s}`, new Date(NOW)),
    ).rejects.toThrow(GateTokenRefused);
    await expect(t.verify('not.a.token', new Date(NOW))).rejects.toThrow(GateTokenRefused);
    const otherProvince = new KmsGateTokens(new KMSClient({ region: 'ap-southeast-1' }), KEY, 'vinh-phuc');
    await expect(otherProvince.verify(token, new Date(NOW))).rejects.toThrow(GateTokenRefused);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    kms.on(SignCommand).callsFake((input) => ({
      Signature: new Uint8Array(sign('sha256', Buffer.from(input.Message), other.privateKey)),
    }));
    await expect(t.verify(await t.issue(claims), new Date(NOW))).rejects.toThrow(GateTokenRefused);
  });

  it('fails (not a refusal) when KMS fails, and asks for the public key again next time', async () => {
    kms.on(SignCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(tokens().issue(claims)).rejects.toThrow('throttled');

    kmsSigns();
    const token = await tokens().issue(claims);
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(Object.assign(new Error('no access'), { name: 'AccessDeniedException' }))
      .resolves({ KeyId: KEY, PublicKey: spki, KeySpec: 'ECC_NIST_P256' });
    const t = tokens();
    const failure = await t.verify(token, new Date(NOW)).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(GateTokenRefused);
    expect(await t.verify(token, new Date(NOW))).toEqual(claims);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a key that is not ECC_NIST_P256', async () => {
    kmsSigns();
    kms.on(GetPublicKeyCommand).resolves({ KeyId: KEY, PublicKey: spki, KeySpec: 'RSA_2048' });
    const t = tokens();
    await expect(t.verify(await t.issue(claims), new Date(NOW))).rejects.toThrow(/ECC_NIST_P256/);
  });
});

describe('derToJose', () => {
  it('pads a short r and drops the sign byte of a high s', () => {
    const r = [0x01, 0x02];
    const s = [0x00, 0x80, ...new Array(31).fill(0x11)];
    const der = Uint8Array.from([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
    const out = derToJose(der);
    expect(out).toHaveLength(64);
    expect([...out.subarray(0, 32)]).toEqual([...new Array(30).fill(0), 0x01, 0x02]);
    expect([...out.subarray(32)]).toEqual([0x80, ...new Array(31).fill(0x11)]);
    expect(() => derToJose(Uint8Array.from([0x31, 0]))).toThrow(/DER/);
  });
});
