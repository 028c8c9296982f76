import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient, makeS3Client } from '../../src/adapters/clients.ts';
import { DynamoCheckins } from '../../src/adapters/dynamo-checkins.ts';
import { type KmsPhoneReader, makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { periodBounds, previousCompletePeriod } from '../../src/core/time.ts';
import { contactsOf, visitsOfPhone } from '../../src/core/tracing.ts';
import { TABLES } from '../../src/keys.ts';
import { tableName } from '../../src/local/dynamodb.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

/**
 * A copy of every table and the bucket reveals no phone number (issue 11, item 5). Check-ins are posted through
 * the local HTTP API the way phones and gates send them (the app, an offline batch, a gate by typed number and
 * by personal card), a card is printed and the weekly reports are run; then every item of every table and
 * index is scanned and every object of the bucket read, and no form of any posted number is anywhere. Tracing
 * still finds the person's visits and contacts, by the keyed hash, and the reader opens the sealed numbers.
 */

const PERSON = { typed: '0912 345 678', e164: '+84912345678' };
const NEIGHBOUR = { typed: '0987654321', e164: '+84987654321' };
const WORKER = { typed: '0977 123 456', e164: '+84977123456' };

/** Every form a number could be stored in: as typed without spaces, E.164, without the +, national digits. */
function formsOf(e164: string): string[] {
  const national = e164.slice(3);
  return [`0${national}`, e164, e164.slice(1), national];
}
const FORMS = [PERSON, NEIGHBOUR, WORKER].flatMap((p) => formsOf(p.e164));
/** Also the national digits with separators (`912 345 678`, `912.345.678`), as a page might echo them. */
const SPACED = [PERSON, NEIGHBOUR, WORKER].map(
  (p) => new RegExp(p.e164.slice(3).replace(/^(\d{3})(\d{3})(\d{3})$/, '$1[\\s.-]?$2[\\s.-]?$3')),
);

/** The forms of the posted numbers found in `text`: what each dumped item and object is checked with. */
const numbersIn = (text: string) => [
  ...FORMS.filter((form) => text.includes(form)),
  ...SPACED.filter((re) => re.test(text)).map(String),
];

const period = previousCompletePeriod(new Date());
const { from } = periodBounds(period);
/** Day `d` of the reported period at `hh:mm` local (Asia/Ho_Chi_Minh). */
const on = (d: number, hh: number, mm = 0) =>
  new Date(from.getTime() + d * 86_400_000 + (hh * 60 + mm) * 60_000).toISOString();

let stack: LocalStack;
let api: Client;
let admin: string;
let reader: KmsPhoneReader;
const dir = mkdtempSync(join(tmpdir(), 'vaora-sealed-'));
const cp: Record<'market' | 'factory', { id: string; code: string }> = {} as never;
const appCheckinId = randomUUID();
let cardCode: string;

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  reader = makePhoneReader(stack.phones);
  const unit = await api.call('POST', '/v1/units', {
    token: admin,
    body: { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'quang-ninh', kind: 'commune' },
  });
  expect(unit.status).toBe(201);
  const imported = await api.call('POST', '/v1/units/quang-ha/checkpoints/import', {
    token: admin,
    body: {
      checkpoints: (['market', 'factory'] as const).map((name) => ({
        kind: name,
        placeName: `${name} Quảng Hà`,
        address: 'Khu 3',
        ref: name,
        createdAt: new Date(from.getTime() - 7 * 86_400_000).toISOString(),
      })),
    },
  });
  for (const [i, name] of (['market', 'factory'] as const).entries()) {
    const row = imported.json.created.find((c: { row: number }) => c.row === i + 1);
    cp[name] = { id: row.id, code: row.code };
  }

  // The app: the person scans in at the market.
  const app = await api.call('POST', '/v1/checkins', {
    body: {
      id: appCheckinId,
      code: cp.market.code,
      phone: PERSON.typed,
      direction: 'in',
      at: on(1, 8),
      method: 'app',
    },
  });
  expect(app.status, JSON.stringify(app.json)).toBe(201);
  // An offline batch: the person leaves the market and enters the factory; the neighbour was at the market.
  const batch = await api.call('POST', '/v1/checkins/batch', {
    body: {
      checkins: [
        { code: cp.market.code, phone: PERSON.e164, direction: 'out', at: on(1, 9) },
        { code: cp.market.code, phone: NEIGHBOUR.typed, direction: 'in', at: on(1, 8, 30) },
        { code: cp.market.code, phone: NEIGHBOUR.typed, direction: 'out', at: on(1, 10) },
        { code: cp.factory.code, phone: PERSON.e164.slice(1), direction: 'in', at: on(1, 13) },
      ],
    },
  });
  expect(batch.json.results.map((r: { status: string }) => r.status)).toEqual(Array(4).fill('created'));

  // A personal card for the person; the factory gate scans it on the way out and types a worker's number in.
  const card = await fetch(`${stack.url}/v1/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PERSON.typed }),
  });
  expect(card.status).toBe(201);
  writeFileSync(join(dir, 'card.pdf'), Buffer.from(await card.arrayBuffer()));
  const printed = execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'card.pdf'), '-'], {
    encoding: 'utf8',
  });
  cardCode = /\b([2-9B-DF-HJ-NP-TV-XZ]{5}) ([2-9B-DF-HJ-NP-TV-XZ]{5})\b/.exec(printed)!.slice(1).join('');
  const manager = await api.as('unit-manager', 'quang-ha');
  const gate = await api.call('POST', `/v1/checkpoints/${cp.factory.id}/checkins`, {
    token: manager,
    body: {
      checkins: [
        { card: cardCode, direction: 'out', at: on(1, 17) },
        { phone: WORKER.typed, direction: 'in', at: on(1, 12) },
        { phone: WORKER.typed, direction: 'out', at: on(1, 16) },
      ],
    },
  });
  expect(gate.json.results.map((r: { status: string }) => r.status)).toEqual(Array(3).fill('created'));

  // The weekly reports of the period: files in the bucket.
  const { run } = await runWeeklyReport(api, admin, { start: period.start });
  expect(run.status, JSON.stringify(run)).toBe('succeeded');
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every item of every table of this stack, and of each of their indexes, as JSON: a copy of the tables. */
async function dumpTables(): Promise<{ table: string; item: string }[]> {
  const db = makeDynamoClient(stack.config);
  const prefix = stack.config.checkinsTable.replace(/-checkins$/, '');
  const dumped: { table: string; item: string }[] = [];
  try {
    for (const def of TABLES) {
      const table = tableName(prefix, def.id);
      for (const index of [undefined, ...def.indexes.map((i) => i.name)]) {
        const pages = paginateScan(
          { client: db },
          { TableName: table, ...(index ? { IndexName: index } : { ConsistentRead: true }) },
        );
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            dumped.push({ table: index ? `${table}/${index}` : table, item: JSON.stringify(item) });
          }
        }
      }
    }
  } finally {
    db.destroy();
  }
  return dumped;
}

/** Every object of the bucket: its key and its content as text (spreadsheets' cells, PDFs' text, the bytes). */
async function dumpBucket(): Promise<{ key: string; text: string }[]> {
  const s3 = makeS3Client(stack.config);
  const dumped: { key: string; text: string }[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: stack.config.reportsBucket })) {
      for (const { Key } of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: stack.config.reportsBucket, Key }));
        const bytes = Buffer.from(await object.Body!.transformToByteArray());
        dumped.push({
          key: Key!,
          text: `${Key}\n${bytes.toString('latin1')}\n${await readable(Key!, bytes)}`,
        });
      }
    }
  } finally {
    s3.destroy();
  }
  return dumped;
}

/** What a person opening the file would read: cells of a spreadsheet (zipped), text of a PDF (compressed). */
async function readable(key: string, bytes: Buffer): Promise<string> {
  if (key.endsWith('.xlsx')) {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const cells: string[] = [];
    book.eachSheet((sheet) => {
      cells.push(sheet.name);
      sheet.eachRow((row) => {
        row.eachCell((cell) => {
          cells.push(String(cell.text));
        });
      });
    });
    return cells.join('\n');
  }
  if (key.endsWith('.pdf')) {
    const file = join(dir, 'object.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  }
  return '';
}

describe('a copy of every table and of the bucket', () => {
  it('finds the forms a number could take, so the checks below can fail', () => {
    expect(numbersIn(`{"phone":"${PERSON.e164}"}`)).toContain(PERSON.e164);
    expect(numbersIn('pk=phone#84987654321')).toContain('84987654321');
    expect(numbersIn('Số: 0977.123.456')).toHaveLength(1);
    expect(numbersIn('v1.abc.def')).toEqual([]);
  });

  it('holds no form of any posted number, in any item of any table or index', async () => {
    const dumped = await dumpTables();
    const checkins = dumped.filter((d) => d.table === stack.config.checkinsTable);
    // What was posted is there: 8 check-ins and the card's 2 items, with hashes and sealed numbers.
    expect(checkins.filter((d) => d.item.includes('"sk":"checkin#'))).toHaveLength(8);
    expect(checkins.filter((d) => /"pk":"card(phone)?#/.test(d.item))).toHaveLength(2);
    expect(checkins.every((d) => /"sealedPhone":"v1\./.test(d.item))).toBe(true);
    expect(dumped.some((d) => d.table.endsWith('/byCheckpointDay'))).toBe(true);
    expect(dumped.some((d) => d.table === stack.config.activityTable)).toBe(true);
    const found = dumped.flatMap((d) => numbersIn(d.item).map((form) => `${d.table}: ${form} in ${d.item}`));
    expect(found).toEqual([]);
  });

  it('holds no form of any posted number in any object of the bucket, reports included', async () => {
    const dumped = await dumpBucket();
    expect(dumped.filter((d) => d.key.endsWith('.xlsx')).length).toBeGreaterThan(0);
    expect(dumped.some((d) => d.text.includes(cp.market.id) || d.text.includes('market Quảng Hà'))).toBe(
      true,
    );
    const found = dumped.flatMap((d) => numbersIn(d.text).map((form) => `${d.key}: ${form}`));
    expect(found).toEqual([]);
  });

  it('keys a phone by its keyed hash: the same for every form it was posted in', async () => {
    const hash = await reader.hash(PERSON.e164);
    const dumped = await dumpTables();
    const byPhone = dumped.filter((d) => d.item.includes(`"pk":"phone#${hash}"`));
    // The app's in, the batch's out and factory in (E.164, and without its +), and the card's out at the gate.
    expect(byPhone.filter((d) => d.table === stack.config.checkinsTable)).toHaveLength(4);
    expect(dumped.filter((d) => d.item.includes(`"pk":"cardphone#${hash}"`))).toHaveLength(1);
  });
});

describe('tracing over sealed numbers', () => {
  const deps = () => ({
    checkins: new DynamoCheckins(
      makeDynamoClient(stack.config),
      { checkins: stack.config.checkinsTable },
      { emit: () => {} },
    ),
    phones: reader,
  });

  it("finds the person's visits by the number as typed, and the reader opens each sealed number", async () => {
    const visits = await visitsOfPhone(deps(), '0912.345.678', new Date(on(1, 0)), new Date(on(2, 0)));
    expect(visits.map((v) => [v.checkpointId, v.start, v.end, v.closed])).toEqual([
      [cp.market.id, on(1, 8), on(1, 9), 'out'],
      [cp.factory.id, on(1, 13), on(1, 17), 'out'],
    ]);
    expect(await Promise.all(visits.map((v) => reader.open(v.sealedPhone)))).toEqual([
      PERSON.e164,
      PERSON.e164,
    ]);
  });

  it('finds who was there with the person, their numbers opened only by the reader', async () => {
    const contacts = await contactsOf(deps(), PERSON.e164, new Date(on(1, 0)), new Date(on(2, 0)));
    expect(contacts.map((c) => [c.checkpointId, c.start, c.end, c.minutes])).toEqual([
      [cp.market.id, on(1, 8, 30), on(1, 9), 30],
      [cp.factory.id, on(1, 13), on(1, 16), 180],
    ]);
    expect(contacts.map((c) => c.phoneHash)).toEqual([
      await reader.hash(NEIGHBOUR.e164),
      await reader.hash(WORKER.e164),
    ]);
    expect(await Promise.all(contacts.map((c) => reader.open(c.sealedPhone)))).toEqual([
      NEIGHBOUR.e164,
      WORKER.e164,
    ]);
  });
});

describe('exactly once, one card per phone: keyed on the hash', () => {
  it('answers the app check-in sent again with 200 and stores nothing more', async () => {
    const again = await api.call('POST', '/v1/checkins', {
      body: { id: appCheckinId, code: cp.market.code, phone: PERSON.e164, direction: 'in', at: on(1, 8) },
    });
    expect(again.status).toBe(200);
    // The same phone, typed another way, reusing the id for the way out: refused, nothing stored.
    const other = await api.call('POST', '/v1/checkins', {
      body: { id: appCheckinId, code: cp.market.code, phone: PERSON.typed, direction: 'out', at: on(1, 8) },
    });
    expect([other.status, other.json.error.code]).toEqual([409, 'idempotency_conflict']);
    const stored = (await dumpTables()).filter(
      (d) => d.table === stack.config.checkinsTable && d.item.includes('"sk":"checkin#'),
    );
    expect(stored).toHaveLength(8);
  });

  it('prints the same card for the same phone in another form, and keeps one pair of card items', async () => {
    const again = await fetch(`${stack.url}/v1/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: PERSON.e164.slice(1) }),
    });
    expect(again.status).toBe(200);
    writeFileSync(join(dir, 'again.pdf'), Buffer.from(await again.arrayBuffer()));
    const printed = execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'again.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(printed.replace(/\s/g, '')).toContain(cardCode);
    const cards = (await dumpTables()).filter(
      (d) => d.table === stack.config.checkinsTable && /"pk":"card(phone)?#/.test(d.item),
    );
    expect(cards).toHaveLength(2);
  });
});
