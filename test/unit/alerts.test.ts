import { describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/core/alert-messages.ts';
import {
  type Alert,
  type AlertBatch,
  type AlertDeliveries,
  type AlertDeps,
  type AlertStore,
  type AlertSwitch,
  approveAlert,
  cancelAlert,
  listAlerts,
  pauseAlerts,
  resumeAlerts,
  type SendingDeps,
  SmsRefusedError,
  sendBatch,
} from '../../src/core/alerts.ts';
import type { AuditRecord } from '../../src/core/audit.ts';
import { ForbiddenError } from '../../src/core/errors.ts';
import type { Page, Principal } from '../../src/core/model.ts';
import { fixedClock, localDay } from '../../src/core/time.ts';
import { hashOf, MemoryPhones, sealedOf } from './fakes.ts';

/** The alert's state machine: draft → sending (approved by someone else) → sent; cancel; the cap. */

class MemoryAlerts implements AlertStore {
  readonly items = new Map<string, Alert>();
  async createAlert(alert: Alert) {
    this.items.set(alert.id, structuredClone(alert));
  }
  async getAlert(id: string) {
    const found = this.items.get(id);
    return found && structuredClone(found);
  }
  async listAlerts(): Promise<Page<Alert>> {
    return { items: [...this.items.values()].map((a) => structuredClone(a)) };
  }
  async approve(id: string, by: string, at: string) {
    const found = this.items.get(id);
    if (found?.status === 'draft')
      Object.assign(found, { status: 'sending', approvedBy: by, approvedAt: at });
    return this.getAlert(id);
  }
  async cancel(id: string, by: string, at: string) {
    const found = this.items.get(id);
    if (found && (found.status === 'draft' || found.status === 'sending')) {
      Object.assign(found, { status: 'cancelled', cancelledBy: by, cancelledAt: at });
    }
    return this.getAlert(id);
  }
  async markQueued(id: string, at: string, recipients: number) {
    const found = this.items.get(id);
    if (found?.status === 'sending') Object.assign(found, { queuedAt: at, recipients });
  }
}

const NOW = new Date('2026-03-02T03:00:00Z');
const author: Principal = { subject: 'tracer-1', role: 'tracer', unitId: 'hai-ha' };
const second: Principal = { subject: 'tracer-2', role: 'tracer', unitId: 'hai-ha' };
const admin: Principal = { subject: 'admin-1', role: 'admin', unitId: 'quang-ninh' };
const outsider: Principal = { subject: 'tracer-3', role: 'tracer', unitId: 'mong-cai' };

function setup(recipients = 2, approvalCap = 5_000) {
  const alerts = new MemoryAlerts();
  const audited: AuditRecord[] = [];
  const deps = {
    alerts,
    audit: { append: async (r: AuditRecord) => void audited.push(r), readDay: async () => [] },
    clock: fixedClock(NOW.toISOString()),
    auditRetentionDays: 365,
    approvalCap,
  } as unknown as AlertDeps;
  const alert: Alert = {
    id: 'a1',
    caseId: 'c1',
    unitPath: ['hai-ha', 'quang-ninh'],
    checkpointIds: ['cp1'],
    from: '2026-03-01T01:00:00.000Z',
    to: '2026-03-01T02:00:00.000Z',
    minOverlapMinutes: 0,
    template: 'exposure',
    status: 'draft',
    recipients,
    sent: 0,
    createdBy: author.subject,
    createdAt: NOW.toISOString(),
  };
  void alerts.createAlert(alert);
  return { alerts, deps, audited };
}

describe('approving an alert', () => {
  it('refuses its author (403) and leaves it a draft', async () => {
    const { deps, alerts, audited } = setup();
    await expect(approveAlert(deps, author, 'a1')).rejects.toBeInstanceOf(ForbiddenError);
    expect((await alerts.getAlert('a1'))?.status).toBe('draft');
    expect(audited).toEqual([]);
  });

  it('moves it to sending when a second tracer approves, audited once as alert.approve', async () => {
    const { deps, audited } = setup();
    const approved = await approveAlert(deps, second, 'a1');
    expect(approved).toMatchObject({
      status: 'sending',
      approvedBy: 'tracer-2',
      approvedAt: NOW.toISOString(),
    });
    expect(audited.map((r) => [r.action, r.target, r.subject, r.results])).toEqual([
      ['alert.approve', 'a1', 'tracer-2', 2],
    ]);
  });

  it('changes nothing when approved again, by anyone, and audits nothing more', async () => {
    const { deps, audited } = setup();
    await approveAlert(deps, second, 'a1');
    const again = await approveAlert(deps, admin, 'a1');
    expect(again).toMatchObject({ status: 'sending', approvedBy: 'tracer-2' });
    expect(audited).toHaveLength(1);
  });

  it('refuses a staff member outside the case scope', async () => {
    const { deps } = setup();
    await expect(approveAlert(deps, outsider, 'a1')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('above the province cap, lets only an admin approve', async () => {
    const { deps } = setup(11, 10);
    await expect(approveAlert(deps, second, 'a1')).rejects.toThrow(/more than 10 phones/);
    expect((await approveAlert(deps, admin, 'a1')).status).toBe('sending');
  });

  it('lets a tracer approve at the cap exactly', async () => {
    const { deps } = setup(10, 10);
    expect((await approveAlert(deps, second, 'a1')).status).toBe('sending');
  });
});

describe('cancelling an alert', () => {
  it('cancels a draft, after which approving changes nothing', async () => {
    const { deps, audited } = setup();
    expect((await cancelAlert(deps, author, 'a1')).status).toBe('cancelled');
    expect((await approveAlert(deps, second, 'a1')).status).toBe('cancelled');
    expect(audited.map((r) => r.action)).toEqual(['alert.cancel']);
  });

  it('cancels a sending alert, once', async () => {
    const { deps, audited } = setup();
    await approveAlert(deps, second, 'a1');
    expect((await cancelAlert(deps, admin, 'a1')).status).toBe('cancelled');
    expect((await cancelAlert(deps, second, 'a1')).cancelledBy).toBe('admin-1');
    expect(audited.map((r) => r.action)).toEqual(['alert.approve', 'alert.cancel']);
  });

  it('leaves a sent alert sent', async () => {
    const { deps, alerts } = setup();
    alerts.items.get('a1')!.status = 'sent';
    expect((await cancelAlert(deps, admin, 'a1')).status).toBe('sent');
  });
});

describe('listing alerts', () => {
  it('lists those of the scope only, without their scope path', async () => {
    const { deps } = setup();
    expect((await listAlerts(deps, second, { limit: 10 })).items.map((a) => a.id)).toEqual(['a1']);
    expect((await listAlerts(deps, outsider, { limit: 10 })).items).toEqual([]);
    expect((await listAlerts(deps, admin, { limit: 10 })).items[0]).not.toHaveProperty('unitPath');
  });
});

describe('alert messages', () => {
  it('name the place and the local time, and ask to watch one’s health or get tested', () => {
    const fill = {
      checkpoint: 'Chợ Quảng Hà',
      from: new Date('2026-03-01T01:00:00Z'),
      to: new Date('2026-03-01T02:30:00Z'),
    };
    expect(alertMessage('exposure', fill)).toBe(
      'Bạn có thể đã tiếp xúc với ca bệnh tại Chợ Quảng Hà từ 08:00 01/03/2026 đến 09:30 01/03/2026. ' +
        'Hãy theo dõi sức khỏe trong 14 ngày và báo cho trạm y tế nếu có triệu chứng.',
    );
    expect(alertMessage('get-tested', fill)).toContain('Hãy đi xét nghiệm');
    expect(alertMessage('get-tested', fill)).not.toMatch(/\{|\}/);
  });
});

/** Markers and the sent count as the store keeps them: one claim per phone per alert. */
class MemoryDeliveries implements AlertDeliveries {
  readonly claimed = new Set<string>();
  constructor(private readonly alerts: MemoryAlerts) {}
  async claim(alertId: string, phoneHash: string) {
    const key = `${alertId}#to#${phoneHash}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
  async release(alertId: string, phoneHash: string) {
    this.claimed.delete(`${alertId}#to#${phoneHash}`);
  }
  async countSent(alertId: string, sent: number, failed = 0) {
    const found = this.alerts.items.get(alertId)!;
    found.sent += sent;
    if (failed > 0) found.failed = (found.failed ?? 0) + failed;
    if (found.sent + (found.failed ?? 0) >= found.recipients && found.status === 'sending')
      found.status = 'sent';
  }
}

const PHONES = ['+84912000001', '+84912000002'];
const provinceAdmin: Principal = { subject: 'admin-1', role: 'admin', unitId: 'quang-ninh' };

/** The kill switch over the test's `pause` flag, which the sending deps read. */
function memorySwitch(flag: { pause: boolean }): AlertSwitch {
  return {
    paused: async () => flag.pause,
    setPaused: async (paused: boolean) => {
      flag.pause = paused;
    },
  };
}

function sending(recipients = PHONES) {
  const { alerts, deps, audited } = setup(recipients.length);
  const outbox: { to: string; text: string }[] = [];
  const sms = { send: async (to: string, text: string) => void outbox.push({ to, text }) };
  const sendingDeps: SendingDeps & { pause: boolean } = {
    alerts,
    deliveries: new MemoryDeliveries(alerts),
    phones: new MemoryPhones(),
    sms,
    pause: false,
    paused: async () => sendingDeps.pause,
  };
  const checkins = recipients.flatMap((e164, i) =>
    (['in', 'out'] as const).map((direction, j) => ({
      id: `c${i}${j}`,
      checkpointId: 'cp1',
      unitId: 'hai-ha',
      phoneHash: hashOf(e164),
      sealedPhone: sealedOf(e164),
      direction,
      method: 'qr',
      at: new Date(Date.parse('2026-03-01T01:10:00Z') + j * 600_000).toISOString(),
      day: localDay(new Date('2026-03-01T01:10:00Z')),
      receivedAt: NOW.toISOString(),
      expiresAt: 0,
    })),
  );
  const queued: AlertBatch[] = [];
  Object.assign(deps, {
    queue: { enqueue: async (batches: AlertBatch[]) => void queued.push(...structuredClone(batches)) },
    checkins: { checkinsAtCheckpoint: async () => checkins },
    checkpoints: { getCheckpoint: async () => ({ id: 'cp1', name: 'Chợ Quảng Hà' }) },
  });
  return { alerts, deps, audited, outbox, sms, sendingDeps, queued };
}

describe('sending an approved alert', () => {
  it('enqueues the recipients once on approval, and nothing on a second approval', async () => {
    const { deps, queued } = sending();
    await approveAlert(deps, second, 'a1');
    await approveAlert(deps, admin, 'a1');
    expect(queued).toHaveLength(1);
    expect(queued[0]!.recipients.map((r) => [r.phoneHash, r.place])).toEqual(
      PHONES.map((p) => [hashOf(p), 'Chợ Quảng Hà']),
    );
  });

  it('sends each phone one message, then marks the alert sent (draft → sending → sent)', async () => {
    const { deps, alerts, outbox, sendingDeps, queued } = sending();
    await approveAlert(deps, second, 'a1');
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [], paused: false });
    expect(outbox.map((m) => m.to).sort()).toEqual(PHONES);
    expect(outbox[0]!.text).toContain('Chợ Quảng Hà');
    expect(await alerts.getAlert('a1')).toMatchObject({ status: 'sent', sent: 2 });
  });

  it('sends nothing more when the same batch is delivered again', async () => {
    const { deps, alerts, outbox, sendingDeps, queued } = sending();
    await approveAlert(deps, second, 'a1');
    const batch = queued[0]!;
    await Promise.all([sendBatch(sendingDeps, batch), sendBatch(sendingDeps, batch)]);
    await sendBatch(sendingDeps, batch);
    expect(outbox).toHaveLength(2);
    expect((await alerts.getAlert('a1'))?.sent).toBe(2);
  });

  it('gives a failed send back, so the next delivery sends it, and only it', async () => {
    const { deps, outbox, sendingDeps, queued } = sending();
    let fail = true;
    sendingDeps.sms = {
      send: async (to, text) => {
        if (fail && to === PHONES[1]) throw new Error('Throttling');
        outbox.push({ to, text });
      },
    };
    await approveAlert(deps, second, 'a1');
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [hashOf(PHONES[1]!)], paused: false });
    fail = false;
    await sendBatch(sendingDeps, queued[0]!);
    expect(outbox.map((m) => m.to)).toEqual(PHONES);
  });

  it('sends nothing while paused and drops the batch (no retry); resuming enqueues the alert again', async () => {
    const { deps, outbox, sendingDeps, queued, alerts } = sending();
    const switchDeps = { ...deps, switch: memorySwitch(sendingDeps), provinceId: 'quang-ninh' };
    await approveAlert(deps, second, 'a1');
    await pauseAlerts(switchDeps, provinceAdmin);
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [], paused: true });
    expect(outbox).toEqual([]);
    expect(await resumeAlerts(switchDeps, provinceAdmin)).toEqual({ paused: false, requeued: 1 });
    expect(queued).toHaveLength(2);
    await sendBatch(sendingDeps, queued[1]!);
    expect(outbox.map((m) => m.to).sort()).toEqual(PHONES);
    expect((await alerts.getAlert('a1'))?.status).toBe('sent');
  });

  it('stops mid-batch when paused between two sends', async () => {
    const { deps, outbox, sendingDeps, queued } = sending();
    await approveAlert(deps, second, 'a1');
    const send = sendingDeps.sms.send;
    sendingDeps.sms = {
      send: async (to, text) => {
        await send(to, text);
        sendingDeps.pause = true;
      },
    };
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [], paused: true });
    expect(outbox).toHaveLength(1);
  });

  it('lets only an admin of the province pull the kill switch, and audits it under the province', async () => {
    const { deps, sendingDeps, audited } = sending();
    const switchDeps = { ...deps, switch: memorySwitch(sendingDeps), provinceId: 'quang-ninh' };
    await expect(pauseAlerts(switchDeps, second)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(pauseAlerts(switchDeps, { ...admin, unitId: 'hai-ha' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(sendingDeps.pause).toBe(false);
    await pauseAlerts(switchDeps, provinceAdmin);
    expect(sendingDeps.pause).toBe(true);
    expect(audited.map((r) => [r.action, r.caseId, r.caseUnitPath])).toEqual([
      ['alerts.pause', 'kill-switch', ['quang-ninh']],
    ]);
  });

  it('counts a phone the SMS service refuses for good as failed, never retried, and still ends sent', async () => {
    const { deps, alerts, outbox, sendingDeps, queued } = sending();
    sendingDeps.sms = {
      send: async (to, text) => {
        if (to === PHONES[0])
          throw new SmsRefusedError('ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT');
        outbox.push({ to, text });
      },
    };
    await approveAlert(deps, second, 'a1');
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [], paused: false });
    await sendBatch(sendingDeps, queued[0]!);
    expect(outbox.map((m) => m.to)).toEqual([PHONES[1]]);
    expect(await alerts.getAlert('a1')).toMatchObject({ status: 'sent', sent: 1, failed: 1 });
  });

  it('marks the alert queued with the recipients enqueued', async () => {
    const { deps, alerts } = sending();
    await approveAlert(deps, second, 'a1');
    expect(await alerts.getAlert('a1')).toMatchObject({ queuedAt: NOW.toISOString(), recipients: 2 });
  });

  it('answers an approval whose enqueue failed as sending, not queued; approving again enqueues it, once', async () => {
    const { deps, alerts, queued, audited } = sending();
    const enqueue = deps.queue!.enqueue;
    let down = true;
    const emitted: unknown[] = [];
    Object.assign(deps, {
      events: { emit: (e: unknown) => emitted.push(e) },
      queue: {
        enqueue: async (batches: AlertBatch[]) => {
          if (down) throw Object.assign(new Error('queue down'), { name: 'AlertEnqueueError' });
          return enqueue(batches);
        },
      },
    });
    const first = await approveAlert(deps, second, 'a1');
    expect(first.status).toBe('sending');
    expect(first.queuedAt).toBeUndefined();
    expect(emitted).toEqual([{ event: 'AlertEnqueueFailed', alertId: 'a1', errorName: 'AlertEnqueueError' }]);
    down = false;
    await expect(approveAlert(deps, author, 'a1')).rejects.toBeInstanceOf(ForbiddenError);
    const again = await approveAlert(deps, admin, 'a1');
    expect(again.queuedAt).toBe(NOW.toISOString());
    await approveAlert(deps, admin, 'a1');
    expect(queued).toHaveLength(1);
    expect((await alerts.getAlert('a1'))?.approvedBy).toBe('tracer-2');
    expect(audited.map((r) => [r.action, r.subject])).toEqual([
      ['alert.approve', 'tracer-2'],
      ['alert.requeue', 'admin-1'],
    ]);
  });

  it('sends nothing for a cancelled alert, and drops its batch', async () => {
    const { deps, outbox, sendingDeps, queued } = sending();
    await approveAlert(deps, second, 'a1');
    await cancelAlert(deps, author, 'a1');
    expect(await sendBatch(sendingDeps, queued[0]!)).toEqual({ retry: [], paused: false });
    expect(outbox).toEqual([]);
  });
});
