import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import type { Checkin } from '../../src/core/model.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import type { Client } from '../integration/stack.ts';

/**
 * Debian's Chromium (apt-get install chromium; .ci/run installs it), driven by playwright-core: no browser is
 * downloaded. One browser per test file; one context (its own localStorage, offline switch) per test.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Seeded {
  id: string;
  code: string;
  name: string;
  unitId: string;
  unitName: string;
}

/** A district, a commune under it, and a checkpoint in the commune, through the API as an admin. */
export async function seedCheckpoint(
  api: Client,
  unitId: string,
  placeName: string,
  parentId = 'quang-ninh',
): Promise<Seeded> {
  const admin = await api.as('admin', 'quang-ninh');
  const unitName = `Xã ${placeName}`;
  const unit = await api.call('POST', '/v1/units', {
    token: admin,
    body: { id: unitId, name: unitName, parentId, kind: 'commune' },
  });
  expect(unit.status).toBe(201);
  const cp = await api.call('POST', `/v1/units/${unitId}/checkpoints`, {
    token: admin,
    body: { kind: 'factory', placeName, address: 'Khu công nghiệp' },
  });
  expect(cp.status).toBe(201);
  return { id: cp.json.id, code: cp.json.code, name: cp.json.name, unitId, unitName };
}

/** What the checkpoint's check-ins table holds, straight from DynamoDB (not through the page or the API). */
/**
 * The checkpoint's stored check-ins, each with `phone`: its sealed number opened by the phone reader (as only a
 * tracing export may), after checking that the item itself holds no plain number.
 */
export async function storedCheckins(
  stack: LocalStack,
  checkpointId: string,
): Promise<(Checkin & { phone: string })[]> {
  const db = makeDynamoClient(stack.config);
  const reader = makePhoneReader(stack.phones);
  try {
    const out = await db.send(
      new ScanCommand({
        TableName: stack.config.checkinsTable,
        FilterExpression: 'checkpointId = :cp',
        ExpressionAttributeValues: { ':cp': checkpointId },
        ConsistentRead: true,
      }),
    );
    return Promise.all(
      ((out.Items ?? []) as Checkin[]).map(async (item) => {
        const phone = await reader.open(item.sealedPhone);
        const forms = [phone, phone.slice(1), `0${phone.slice(3)}`];
        expect(forms.filter((form) => JSON.stringify(item).includes(form))).toEqual([]);
        return { ...item, phone };
      }),
    );
  } finally {
    db.destroy();
  }
}

/** The checkpoint's activity counters, summed over its days: what the weekly report will count. */
export async function countedCheckins(stack: LocalStack, checkpointId: string): Promise<number> {
  // What the counting step has read from the stream so far: all that was stored.
  await stack.count();
  const db = makeDynamoClient(stack.config);
  try {
    const out = await db.send(
      new ScanCommand({
        TableName: stack.config.activityTable,
        FilterExpression: 'checkpointId = :cp',
        ExpressionAttributeValues: { ':cp': checkpointId },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).reduce((sum, item) => sum + Number(item.checkins ?? 0), 0);
  } finally {
    db.destroy();
  }
}

/** The text of an element once it is visible. */
export async function visibleText(page: Page, selector: string): Promise<string> {
  const element = page.locator(selector);
  await element.waitFor({ state: 'visible' });
  return (await element.textContent()) ?? '';
}

/** HH:mm in Asia/Ho_Chi_Minh, computed independently of the page's own code. */
export function hanoiTime(at: string | number | Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
}
