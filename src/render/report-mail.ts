import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingMail, Subscriber } from '../core/ports.ts';
import { REPORT_COLUMNS, TOTALS_LABEL } from '../core/report.ts';
import { emailHash } from '../core/report-mail.ts';
import type { JsonFigures, JsonReport } from './json.ts';
import { comparisonLine, formatCount, formatPercent, formatPeriod } from './report-text.ts';

/**
 * The Friday e-mail (issue 12 item 7): a unit's weekly report in a few lines, in Vietnamese, from the report's own
 * stored JSON (the same Cộng and the same comparison sentence as the XLSX), with a link into the staff console,
 * never a signed S3 link, which would die in the inbox.
 *
 * The message is built by nodemailer's MailComposer rather than by hand: RFC 5322 headers with RFC 2047 encoded
 * words for Vietnamese names and subjects (folded at 76 characters), quoted-printable UTF-8 bodies, a
 * multipart/alternative text and HTML, a Message-ID and Date. The same bytes go to SES (raw content) and to the
 * local outbox, so what a developer opens locally is what a district officer receives.
 */

export interface ReportMailOptions {
  /** The From header: the province's SES identity (`"Vaora Quảng Ninh" <bao-cao@…>` or a bare address). */
  from: string;
  /** The console's base URL, e.g. `https://console.example.vn/console/`. */
  consoleUrl: string;
  /** The Date header. */
  date: Date;
}

/** The console's page of one unit's report for one period: where the e-mail's link goes. */
export function consoleReportLink(consoleUrl: string, unitId: string, periodStart: string): string {
  const base = consoleUrl.endsWith('/') ? consoleUrl : `${consoleUrl}/`;
  return `${base}#/bao-cao/${encodeURIComponent(unitId)}/${periodStart}`;
}

/** What the e-mail says, before MIME: also what the unit tests read. */
export interface ReportMailContent {
  subject: string;
  text: string;
  html: string;
  link: string;
}

/** The Cộng line's figures, in the report's column order and words. */
function totalsLines(totals: JsonFigures): [string, string][] {
  return REPORT_COLUMNS.filter((c) => c.key !== 'unitName').map((column) => {
    if (column.key === 'activeRatio') {
      return [column.header, totals.activeRatio === null ? '-' : formatPercent(totals.activeRatio)];
    }
    return [column.header, formatCount(totals[column.key])];
  });
}

/** How many checkpoints had no check-in in the period: all of them, even where the list holds only the first. */
export function idleCount(report: JsonReport): number {
  return report.listTotals?.idle ?? report.idle.length;
}

export function reportMailContent(
  report: JsonReport,
  recipient: Subscriber,
  consoleUrl: string,
): ReportMailContent {
  const period = formatPeriod(report.period);
  const link = consoleReportLink(consoleUrl, report.unit.id, report.period.start);
  const greeting = recipient.name ? `Kính gửi ${recipient.name},` : 'Kính gửi anh/chị,';
  const intro = `Báo cáo tuần của ${report.unit.name}, tính từ ngày ${period}, đã có.`;
  const totals = totalsLines(report.totals);
  const change = comparisonLine(report);
  const idle = `Số điểm kiểm soát không hoạt động trong 7 ngày: ${formatCount(idleCount(report))}.`;
  const open = 'Xem báo cáo, biểu đồ và tải tệp Excel trên trang quản trị (đăng nhập để xem):';
  const footer =
    `Anh/chị nhận thư này vì là cán bộ của ${report.unit.name} trên hệ thống Vaora. ` +
    'Để ngừng nhận báo cáo tuần qua thư điện tử, tắt mục "Nhận báo cáo tuần" trong trang quản trị.';

  const text = [
    greeting,
    '',
    intro,
    '',
    `${TOTALS_LABEL}:`,
    ...totals.map(([label, value]) => `- ${label}: ${value}`),
    '',
    change,
    idle,
    '',
    open,
    link,
    '',
    '--',
    footer,
    '',
  ].join('\n');

  const html = [
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"></head>',
    '<body style="font-family: Arial, sans-serif; font-size: 14px; color: #111">',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<table style="border-collapse: collapse" cellpadding="4">',
    `<tr><th colspan="2" style="text-align: left; border-bottom: 1px solid #999">${escapeHtml(TOTALS_LABEL)}</th></tr>`,
    ...totals.map(
      ([label, value]) =>
        `<tr><td>${escapeHtml(label)}</td><td style="text-align: right"><b>${escapeHtml(value)}</b></td></tr>`,
    ),
    '</table>',
    `<p>${escapeHtml(change)}<br>${escapeHtml(idle)}</p>`,
    `<p>${escapeHtml(open)}<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
    `<p style="color: #666; font-size: 12px">${escapeHtml(footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');

  return { subject: `Báo cáo tuần: ${report.unit.name}, ${period}`, text, html, link };
}

/**
 * The message to one recipient. Its Message-ID is fixed by unit, period and recipient, so even a copy sent twice
 * (which the markers prevent) would be one message to a mail client.
 */
export async function composeReportMail(
  report: JsonReport,
  recipient: Subscriber,
  options: ReportMailOptions,
): Promise<OutgoingMail & { content: ReportMailContent }> {
  const content = reportMailContent(report, recipient, options.consoleUrl);
  const domain = addressDomain(options.from);
  const messageId = `bao-cao.${report.unit.id}.${report.period.start}.${emailHash(recipient.email).slice(0, 22)}@${domain}`;
  const composer = new MailComposer({
    from: options.from,
    to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
    subject: content.subject,
    text: content.text,
    html: content.html,
    date: options.date,
    messageId: `<${messageId}>`,
    // Asks auto-responders (out-of-office) not to answer a report nobody reads replies to.
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  const raw = await composer.compile().build();
  return { to: recipient.email, raw, messageId, content };
}

/** The domain of an address, or of the address inside `Name <address>`. */
function addressDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim() || 'localhost';
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
