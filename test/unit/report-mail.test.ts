import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import type {
  MailMarkers,
  MailSender,
  OutgoingMail,
  ReportStoredNotice,
  StaffSubscribers,
  Subscriber,
} from '../../src/core/ports.ts';
import type { ReportFigures } from '../../src/core/report.ts';
import {
  deliverReportMail,
  emailHash,
  type ReportMailDeps,
  ReportMailFailedError,
  StoredReportMissingError,
} from '../../src/core/report-mail.ts';
import { fixedClock } from '../../src/core/time.ts';
import { type JsonReport, toJsonReport } from '../../src/render/json.ts';
import { composeReportMail, consoleReportLink, reportMailContent } from '../../src/render/report-mail.ts';
import { RecordedEvents } from './fakes.ts';

const figuresOf = (
  checkpointsTotal: number,
  checkpointsNew: number,
  checkins: number,
  activeCheckpoints: number,
  namingViolations: number,
): ReportFigures => ({ checkpointsTotal, checkpointsNew, checkins, activeCheckpoints, namingViolations });

/** Hải Hà's Cộng for 06/01/2022–12/01/2022 (seed 004), with 6,019 fewer check-ins than the week before. */
const report: JsonReport = toJsonReport({
  provinceId: 'quang-ninh',
  unit: { id: 'hai-ha', name: 'Huyện Hải Hà' },
  period: { start: '2022-01-06', end: '2022-01-12' },
  previousPeriod: { start: '2021-12-30', end: '2022-01-05' },
  level: 'units',
  rows: [],
  checkpoints: [],
  totals: figuresOf(6468, 37, 72420, 874, 145),
  previousTotals: figuresOf(6431, 25, 78439, 860, 150),
  idle: [
    {
      checkpointId: 'cp-1',
      code: 'ABCD2345',
      name: 'Chợ Quảng Hà',
      kind: 'market',
      unitId: 'quang-ha',
      unitName: 'Thị trấn Quảng Hà',
      createdAt: '2021-10-01T00:00:00.000Z',
      canonicalName: 'Chợ - Chợ Quảng Hà - Khu 3',
      lastActiveDay: null,
    },
  ],
  // The list holds its first entries only: the e-mail counts them all.
  listTotals: { idle: 5594, newCheckpoints: 37, misnamed: 145 },
  ranking: [],
  newCheckpoints: [],
  misnamed: [],
  daily: { days: [], series: [] },
  generatedAt: '2022-01-14T08:00:01.000Z',
});

const CONSOLE = 'https://console.quangninh.example/console/';
const OPTIONS = {
  from: '"Vaora Quảng Ninh" <bao-cao@quangninh.example>',
  consoleUrl: CONSOLE,
  date: new Date('2022-01-14T08:05:00Z'),
};

describe('the Friday e-mail', () => {
  it("says the unit, the period, the report's own Cộng, the change and the idle count, in Vietnamese", () => {
    const { subject, text } = reportMailContent(
      report,
      { email: 'lan@haiha.example', name: 'Nguyễn Thị Lan' },
      CONSOLE,
    );
    expect(subject).toBe('Báo cáo tuần: Huyện Hải Hà, 06/01/2022 - 12/01/2022');
    expect(text).toContain('Kính gửi Nguyễn Thị Lan,');
    expect(text).toContain('Báo cáo tuần của Huyện Hải Hà, tính từ ngày 06/01/2022 - 12/01/2022');
    expect(text).toContain('- Số điểm kiểm soát đã tạo: 6.468\n');
    expect(text).toContain('- Số điểm kiểm soát tạo mới trong 7 ngày: 37\n');
    expect(text).toContain('- Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày: 72.420\n');
    expect(text).toContain('- Số điểm kiểm soát hoạt động trong 7 ngày: 874\n');
    expect(text).toContain('- Tỷ lệ hoạt động (%): 13,51%\n');
    expect(text).toContain('- Số điểm kiểm soát đặt tên chưa đúng quy tắc: 145\n');
    expect(text).toContain(
      'Số lượt vào/ra: 72.420, giảm 6.019 so với 7 ngày trước (30/12/2021 - 05/01/2022).',
    );
    expect(text).toContain('Số điểm kiểm soát không hoạt động trong 7 ngày: 5.594.');
  });

  it('links into the console, never to a signed S3 link', () => {
    const { text, html, link } = reportMailContent(report, { email: 'lan@haiha.example' }, CONSOLE);
    expect(link).toBe('https://console.quangninh.example/console/#/bao-cao/hai-ha/2022-01-06');
    expect(text).toContain(link);
    expect(html).toContain(`href="${link}"`);
    expect(`${text}${html}`).not.toMatch(/X-Amz-|amazonaws\.com|Signature=/);
    expect(consoleReportLink('http://127.0.0.1:3000/console', 'xã-1', '2022-01-06')).toBe(
      'http://127.0.0.1:3000/console/#/bao-cao/x%C3%A3-1/2022-01-06',
    );
  });

  it('greets without a name when the directory has none, and escapes what goes into the HTML', () => {
    const odd = { ...report, unit: { id: 'u', name: 'Xã <A&B>' } };
    const { text, html } = reportMailContent(odd, { email: 'x@y.example' }, CONSOLE);
    expect(text).toContain('Kính gửi anh/chị,');
    expect(html).toContain('Xã &lt;A&amp;B&gt;');
    expect(html).not.toContain('<A&B>');
  });

  it('is an RFC 5322 message with UTF-8 encoded-word headers and a text and an HTML part that decode to the content', async () => {
    const recipient = { email: 'lan@haiha.example', name: 'Nguyễn Thị Lan' };
    const mail = await composeReportMail(report, recipient, OPTIONS);
    const raw = mail.raw.toString('utf8');
    // Headers are 7-bit: Vietnamese travels as RFC 2047 encoded words.
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(head).toContain('Subject: =?UTF-8?');
    expect(head).toContain('Auto-Submitted: auto-generated');
    const parsed = await PostalMime.parse(mail.raw);
    expect(parsed.subject).toBe('Báo cáo tuần: Huyện Hải Hà, 06/01/2022 - 12/01/2022');
    expect(parsed.from).toMatchObject({ name: 'Vaora Quảng Ninh', address: 'bao-cao@quangninh.example' });
    expect(parsed.to).toEqual([{ name: 'Nguyễn Thị Lan', address: 'lan@haiha.example' }]);
    expect(parsed.text).toContain('- Số lượt vào/ra tại các điểm kiểm soát trong 7 ngày: 72.420');
    expect(parsed.html).toContain('https://console.quangninh.example/console/#/bao-cao/hai-ha/2022-01-06');
    expect(new Date(parsed.date!).toISOString()).toBe('2022-01-14T08:05:00.000Z');
    expect(parsed.messageId).toBe(`<${mail.messageId}>`);
    expect(mail.messageId).toMatch(/^bao-cao\.hai-ha\.2022-01-06\.[\w-]{22}@quangninh\.example$/);
    expect(mail.messageId).not.toContain('lan');
    expect(mail.to).toBe('lan@haiha.example');
  });
});

class MemoryMarkers implements MailMarkers {
  readonly claimed = new Set<string>();
  async claim(unitId: string, start: string, email: string) {
    const key = `${unitId}|${start}|${emailHash(email)}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
  async release(unitId: string, start: string, email: string) {
    this.claimed.delete(`${unitId}|${start}|${emailHash(email)}`);
  }
}

class RecordingSender implements MailSender {
  readonly sent: OutgoingMail[] = [];
  /** Addresses refused, as SES refuses an address it will not send to. */
  readonly refuse = new Set<string>();
  async send(mail: OutgoingMail) {
    if (this.refuse.has(mail.to)) throw Object.assign(new Error('refused'), { name: 'MessageRejected' });
    this.sent.push(mail);
  }
}

const notice: ReportStoredNotice = {
  unitId: 'hai-ha',
  period: { start: '2022-01-06', end: '2022-01-12' },
  jsonKey: 'reports/quang-ninh/hai-ha/2022-01-06_2022-01-12/bao-cao-hai-ha-2022-01-06_2022-01-12.json',
  generatedAt: '2022-01-14T08:00:01.000Z',
};

function setup(
  subscribers: Subscriber[],
  stored: Record<string, string> = { [notice.jsonKey]: JSON.stringify(report) },
) {
  const sender = new RecordingSender();
  const markers = new MemoryMarkers();
  const events = new RecordedEvents();
  const directory: StaffSubscribers = {
    subscribersOf: async (unitId) => (unitId === 'hai-ha' ? subscribers : []),
  };
  const deps: ReportMailDeps<JsonReport> = {
    reports: { getText: async (key) => stored[key] },
    parse: (text) => JSON.parse(text) as JsonReport,
    compose: (r, recipient) => composeReportMail(r, recipient, OPTIONS),
    subscribers: directory,
    markers,
    sender,
    clock: fixedClock('2022-01-14T08:05:00Z'),
    events,
  };
  return { deps, sender, markers, events };
}

describe('delivering a notice', () => {
  const staff = [{ email: 'lan@haiha.example', name: 'Nguyễn Thị Lan' }, { email: 'minh@haiha.example' }];

  it('sends one e-mail per subscriber, with figures read from the stored JSON', async () => {
    const { deps, sender, events } = setup(staff);
    const result = await deliverReportMail(deps, notice);
    expect(result).toEqual({ sent: 2, skipped: 0, failed: 0 });
    expect(sender.sent.map((m) => m.to)).toEqual(['lan@haiha.example', 'minh@haiha.example']);
    expect(sender.sent[0]!.raw.toString()).toContain('72.420');
    expect(events.events).toContainEqual({
      event: 'ReportMailDelivered',
      unitId: 'hai-ha',
      start: '2022-01-06',
      sent: 2,
      skipped: 0,
      failed: 0,
    });
    // No address in the logs.
    expect(JSON.stringify(events.events)).not.toContain('@');
  });

  it('sends nothing twice when the notice is delivered again (and one address listed twice gets one e-mail)', async () => {
    const { deps, sender } = setup([...staff, { email: ' LAN@haiha.example ' }]);
    await deliverReportMail(deps, notice);
    const again = await deliverReportMail(deps, notice);
    expect(again).toEqual({ sent: 0, skipped: 2, failed: 0 });
    expect(sender.sent).toHaveLength(2);
  });

  it('sends the next period again: the marker is per unit, period and recipient', async () => {
    const next = { ...notice, period: { start: '2022-01-13', end: '2022-01-19' }, jsonKey: 'next.json' };
    const { deps, sender } = setup(staff, {
      [notice.jsonKey]: JSON.stringify(report),
      'next.json': JSON.stringify(report),
    });
    await deliverReportMail(deps, notice);
    expect(await deliverReportMail(deps, next)).toEqual({ sent: 2, skipped: 0, failed: 0 });
    expect(sender.sent).toHaveLength(4);
  });

  it('fails the notice when a send fails, and the retry sends only what failed', async () => {
    const { deps, sender, events } = setup(staff);
    sender.refuse.add('minh@haiha.example');
    const first = deliverReportMail(deps, notice);
    await expect(first).rejects.toBeInstanceOf(ReportMailFailedError);
    await expect(first).rejects.toMatchObject({ failed: 1, firstErrorName: 'MessageRejected' });
    expect(sender.sent.map((m) => m.to)).toEqual(['lan@haiha.example']);
    expect(events.events).toContainEqual({
      event: 'ReportMailFailed',
      unitId: 'hai-ha',
      start: '2022-01-06',
      errorName: 'ReportMailFailedError',
    });

    sender.refuse.clear();
    expect(await deliverReportMail(deps, notice)).toEqual({ sent: 1, skipped: 1, failed: 0 });
    expect(sender.sent.map((m) => m.to)).toEqual(['lan@haiha.example', 'minh@haiha.example']);
  });

  it('fails (to be retried) when the stored report is not there, and sends nothing', async () => {
    const { deps, sender } = setup(staff, {});
    await expect(deliverReportMail(deps, notice)).rejects.toBeInstanceOf(StoredReportMissingError);
    expect(sender.sent).toHaveLength(0);
  });

  it('sends nothing for a unit with no subscriber', async () => {
    const { deps, sender } = setup([]);
    expect(await deliverReportMail(deps, notice)).toEqual({ sent: 0, skipped: 0, failed: 0 });
    expect(sender.sent).toHaveLength(0);
  });
});
