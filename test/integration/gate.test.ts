import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient, makeKmsClient } from '../../src/adapters/clients.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { KmsGateTokens } from '../../src/adapters/gate-tokens.ts';
import { type KmsPhoneReader, makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { loadGateConfig } from '../../src/config.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { CARD_SIZE } from '../../src/render/card.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * People without a smartphone, through the local stack's HTTP API: gate staff record check-ins by phone number
 * (one, or a tablet's list), and a personal card printed as a PDF is scanned at the gate: its QR, decoded from
 * the rendered PDF with poppler and jsQR, checks its holder in.
 */

let stack: LocalStack;
let api: Client;
let manager: string;
let gate: { id: string; code: string; name: string };
let checkins: DynamoCheckins;
/** Hashes and opens numbers as a tracing export would: the stored check-ins hold only those two forms. */
let phones: KmsPhoneReader;
const dir = mkdtempSync(join(tmpdir(), 'vaora-gate-it-'));

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  const admin = await api.as('admin', 'quang-ninh');
  for (const body of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
    { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body })).status).toBe(201);
  }
  const res = await api.call('POST', '/v1/units/quang-ha/checkpoints', {
    token: admin,
    body: { kind: 'factory', placeName: 'Nhà máy may Quảng Hà', address: 'KCN Texhong' },
  });
  expect(res.status).toBe(201);
  gate = res.json;
  manager = await api.as('unit-manager', 'quang-ha');
  checkins = new DynamoCheckins(
    makeDynamoClient(stack.config),
    { checkins: stack.config.checkinsTable },
    { emit: () => {} },
  );
  phones = makePhoneReader(stack.phones);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const assisted = (body: unknown, token?: string) =>
  api.call('POST', `/v1/checkpoints/${gate.id}/checkins`, { body, ...(token ? { token } : {}) });

describe('POST /v1/checkpoints/{id}/checkins (assisted)', () => {
  it('needs a token (401, as API Gateway answers) and a unit-manager of that unit (403 for another)', async () => {
    const none = await assisted({ phone: '0912345678', direction: 'in' });
    expect([none.status, none.json]).toEqual([401, { message: 'Unauthorized' }]);
    const elsewhere = await assisted(
      { phone: '0912345678', direction: 'in' },
      await api.as('unit-manager', 'cai-chien'),
    );
    expect([elsewhere.status, elsewhere.json.error.code]).toEqual([403, 'forbidden']);
    const tracer = await assisted(
      { phone: '0912345678', direction: 'in' },
      await api.as('tracer', 'quang-ha'),
    );
    expect(tracer.status).toBe(403);
    const unknown = await api.call('POST', `/v1/checkpoints/${randomUUID()}/checkins`, {
      token: manager,
      body: { phone: '0912345678', direction: 'in' },
    });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'unknown_checkpoint']);
  });

  it('records one check-in for a phone typed by staff, as assisted, with the group', async () => {
    const id = randomUUID();
    const res = await assisted({ id, phone: '0912 345 678', direction: 'in', companions: 2 }, manager);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id, direction: 'in', companions: 2, checkpoint: { id: gate.id } });
    const stored = await checkins.get(await phones.hash('+84912345678'), id);
    expect(stored).toMatchObject({
      phoneHash: await phones.hash('+84912345678'),
      method: 'assisted',
      companions: 2,
      checkpointId: gate.id,
    });
    expect(await phones.open(stored!.sealedPhone)).toBe('+84912345678');
    const again = await assisted({ id, phone: '0912345678', direction: 'in', companions: 2 }, manager);
    expect(again.status).toBe(200);
  });

  it('answers a list with a result per item and stores only the good ones, once', async () => {
    const good = randomUUID();
    const body = {
      checkins: [
        { id: good, phone: '+84987654321', direction: 'out' },
        { id: randomUUID(), phone: '12345', direction: 'in' },
        { id: randomUUID(), card: 'BCDFGHJKMN', direction: 'in' },
        { id: good, phone: '+84987654321', direction: 'out' },
      ],
    };
    const res = await assisted(body, manager);
    expect(res.status).toBe(200);
    const statuses = res.json.results.map((r: { status: string }) => r.status);
    // The two sends of one id race inside the batch: one is stored, the other answered as its duplicate.
    expect([statuses[0], statuses[3]].sort()).toEqual(['created', 'duplicate']);
    expect(statuses.slice(1, 3)).toEqual(['rejected', 'rejected']);
    expect(res.json.results[1].error.details[0].path).toBe('phone');
    expect(res.json.results[2].error.code).toBe('unknown_card');
    const now = Date.now();
    const atGate = await checkins.checkinsAtCheckpoint(
      gate.id,
      new Date(now - 86_400_000),
      new Date(now + 60_000),
    );
    const storedIds = atGate.map((c) => c.id);
    expect(storedIds).toContain(good);
    for (const item of body.checkins.slice(1, 3)) expect(storedIds).not.toContain(item.id);
  });

  it('refuses a body with both a phone and a card, naming the field', async () => {
    const res = await assisted({ phone: '0912345678', card: 'BCDFGHJKMN', direction: 'in' }, manager);
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe('phone');
  });
});

describe('personal QR cards', () => {
  let pdf: Buffer;

  it('are printed card-sized for a phone: 201 the first time, 200 with the same card after', async () => {
    const first = await fetch(`${stack.url}/v1/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '0931 234 567' }),
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toBe('application/pdf');
    pdf = Buffer.from(await first.arrayBuffer());
    const again = await fetch(`${stack.url}/v1/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+84931234567' }),
    });
    expect(again.status).toBe(200);
    expect(qrOf(Buffer.from(await again.arrayBuffer()))).toBe(qrOf(pdf));

    const file = join(dir, 'card.pdf');
    writeFileSync(file, pdf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!;
    // ID-1, 85.6 × 54 mm, to a hundredth of a point.
    expect(Number(w)).toBeCloseTo(CARD_SIZE.width, 1);
    expect(Number(h)).toBeCloseTo(CARD_SIZE.height, 1);
  });

  it('carry a QR that reveals no phone number, and check their holder in at the gate', async () => {
    const code = qrOf(pdf)!;
    expect(code).toMatch(/^[23456789BCDFGHJKMNPQRSTVWXZ]{10}$/);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'card.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(text.replace(/\s/g, '')).not.toMatch(/931234567|0931|\+84/);

    const id = randomUUID();
    const res = await assisted({ id, card: code, direction: 'in' }, manager);
    expect(res.status).toBe(201);
    const stored = await checkins.get(await phones.hash('+84931234567'), id);
    expect(stored).toMatchObject({ phoneHash: await phones.hash('+84931234567'), method: 'assisted' });
    expect(await phones.open(stored!.sealedPhone)).toBe('+84931234567');
  });

  it('are refused for a number that is not a Vietnamese mobile, and nothing is stored', async () => {
    const db = makeDynamoClient(stack.config);
    const cardItems = async () =>
      (
        await db.send(
          new ScanCommand({
            TableName: stack.config.checkinsTable,
            FilterExpression: 'begins_with(pk, :card)',
            ExpressionAttributeValues: { ':card': 'card' },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];
    const before = await cardItems();
    const res = await api.call('POST', '/v1/cards', { body: { phone: '12345' } });
    expect([res.status, res.json.error.code]).toEqual([400, 'invalid_phone']);
    expect(await cardItems()).toEqual(before);
    // The card printed above: its two items, keyed by code and by the phone's hash, hold no form of the number.
    expect(before.map((item) => item.pk.replace(/#.*/, '')).sort()).toEqual(['card', 'cardphone']);
    expect(JSON.stringify(before)).not.toMatch(/931234567/);
    db.destroy();
  });
});

describe('gate links (POST /v1/checkpoints/{id}/gate-links)', () => {
  const gateCall = (checkpointId: string, token: string, body: unknown) =>
    api.call('POST', `/v1/gate/checkpoints/${checkpointId}/checkins`, { token, body });
  const tokenOf = (url: string) => /#token=(.+)$/.exec(url)![1]!;
  let other: { id: string; code: string };

  beforeAll(async () => {
    const res = await api.call('POST', '/v1/units/cai-chien/checkpoints', {
      token: await api.as('admin', 'quang-ninh'),
      body: { kind: 'school', placeName: 'Trường tiểu học Cái Chiên', address: 'Thôn 1' },
    });
    other = res.json;
  });

  it('gives the manager a link to the gate page with a shift-long token and its QR, audited', async () => {
    const before = Date.now();
    const res = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, { token: manager, body: {} });
    expect(res.status).toBe(201);
    expect(res.json.url).toMatch(
      new RegExp(`^${stack.url}/g/${gate.code}#token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
    );
    const expiresAt = Date.parse(res.json.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 12 * 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 12 * 3_600_000);
    expect(res.json.qrSvg).toMatch(/^<svg[^>]*>/);
    const header = JSON.parse(Buffer.from(tokenOf(res.json.url).split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('ES256');

    const audit = await api.call(
      'GET',
      `/v1/audit?from=${new Date(before - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
      { token: await api.as('admin', 'quang-ninh') },
    );
    expect(audit.json.items).toContainEqual(
      expect.objectContaining({
        action: 'gate-link.create',
        subject: 'local-unit-manager',
        role: 'unit-manager',
        target: gate.id,
        to: res.json.expiresAt,
      }),
    );
  });

  it('takes a shorter shift, and refuses hours outside 1–12 or a checkpoint outside the scope', async () => {
    const short = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, {
      token: manager,
      body: { hours: 1 },
    });
    expect(short.status).toBe(201);
    expect(Date.parse(short.json.expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    for (const hours of [0, 13, 2.5, '12']) {
      const bad = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, {
        token: manager,
        body: { hours },
      });
      expect([bad.status, bad.json.error.details[0].path]).toEqual([400, 'hours']);
    }
    const elsewhere = await api.call('POST', `/v1/checkpoints/${other.id}/gate-links`, {
      token: manager,
      body: {},
    });
    expect(elsewhere.status).toBe(403);
    const tracer = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, {
      token: await api.as('tracer', 'quang-ninh'),
      body: {},
    });
    expect(tracer.status).toBe(403);
  });

  it('lets the tablet record check-ins at that checkpoint, as the manager who made the link', async () => {
    const link = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, {
      token: manager,
      body: {},
    });
    const token = tokenOf(link.json.url);
    const id = randomUUID();
    const one = await gateCall(gate.id, token, { id, phone: '0912 000 111', direction: 'in' });
    expect(one.status).toBe(201);
    const stored = await checkins.get(await phones.hash('+84912000111'), id);
    expect(stored).toMatchObject({
      checkpointId: gate.id,
      method: 'assisted',
      assistedBy: 'local-unit-manager',
    });
    const list = await gateCall(gate.id, token, {
      checkins: [{ id: randomUUID(), phone: '0912000112', direction: 'out' }],
    });
    expect([list.status, list.json.results[0].status]).toEqual([200, 'created']);
  });

  it('refuses the token at another checkpoint (403) and on every other route (401)', async () => {
    const link = await api.call('POST', `/v1/checkpoints/${gate.id}/gate-links`, {
      token: manager,
      body: {},
    });
    const token = tokenOf(link.json.url);
    const elsewhere = await gateCall(other.id, token, { phone: '0912000113', direction: 'in' });
    expect([elsewhere.status, elsewhere.json.error.code]).toEqual([403, 'forbidden']);
    for (const [method, path] of [
      ['POST', `/v1/checkpoints/${gate.id}/checkins`],
      ['GET', '/v1/units/quang-ha'],
      ['GET', `/v1/units/quang-ha/reports`],
      ['GET', `/v1/checkpoints/${gate.id}/visitors`],
      ['POST', `/v1/checkpoints/${gate.id}/gate-links`],
    ] as const) {
      const res = await api.call(method, path, {
        token,
        ...(method === 'POST' ? { body: { phone: '0912000113', direction: 'in' } } : {}),
      });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 401`);
    }
    // A staff token is not a gate token: the gate route is the tablet's only.
    const staff = await gateCall(gate.id, manager, { phone: '0912000113', direction: 'in' });
    expect(staff.status).toBe(403);
    const none = await api.call('POST', `/v1/gate/checkpoints/${gate.id}/checkins`, { body: {} });
    expect(none.status).toBe(401);
  });

  it('stops working when its shift is over, and refuses a token altered or of a longer life', async () => {
    // Signed by the stack's own gate key (the KMS stand-in), as if made 13 hours ago for 12.
    const tokens = new KmsGateTokens(
      makeKmsClient(loadGateConfig()),
      loadGateConfig().gateKeyId,
      'quang-ninh',
    );
    const now = Date.now();
    const claims = { checkpointId: gate.id, unitId: 'quang-ha', subject: 'local-unit-manager' };
    const expired = await tokens.issue({
      ...claims,
      issuedAt: new Date(now - 13 * 3_600_000),
      expiresAt: new Date(now - 3_600_000),
    });
    const live = await tokens.issue({
      ...claims,
      issuedAt: new Date(now),
      expiresAt: new Date(now + 3_600_000),
    });
    const tooLong = await tokens.issue({
      ...claims,
      issuedAt: new Date(now),
      expiresAt: new Date(now + 13 * 3_600_000),
    });
    const body = { phone: '0912000114', direction: 'in' };
    expect((await gateCall(gate.id, live, body)).status).toBe(201);
    expect((await gateCall(gate.id, expired, body)).status).toBe(403);
    expect((await gateCall(gate.id, tooLong, body)).status).toBe(403);
    const [h, p, sig] = live.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, 'vaora:checkpoint': other.id })).toString('base64url')}.${sig}`;
    expect((await gateCall(other.id, forged, body)).status).toBe(403);
  });
});

let rendered = 0;
function qrOf(card: Buffer): string | undefined {
  const file = join(dir, `qr-${++rendered}.pdf`);
  writeFileSync(file, card);
  execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', file, file]);
  const png = PNG.sync.read(readFileSync(`${file}.png`));
  return jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}
