import { describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/core/alert-messages.ts';
import {
  type Alert,
  type AlertDeps,
  type AlertStore,
  approveAlert,
  cancelAlert,
  listAlerts,
} from '../../src/core/alerts.ts';
import type { AuditRecord } from '../../src/core/audit.ts';
import { ForbiddenError } from '../../src/core/errors.ts';
import type { Page, Principal } from '../../src/core/model.ts';
import { fixedClock } from '../../src/core/time.ts';

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
