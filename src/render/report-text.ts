import { DateTime } from 'luxon';
import type { CheckpointKind } from '../core/model.ts';
import { activeRatio, type ReportFigures, type UnitReport } from '../core/report.ts';
import { localDay, TIME_ZONE } from '../core/time.ts';

/**
 * The words the report files share (XLSX, CSV): Vietnamese, as the provinces write them (../shared/seeds), in one
 * place so a sheet and the CSV beside it never name the same thing two ways.
 */

/** The checkpoint kinds' ids, in Vietnamese. */
export const CHECKPOINT_KIND_NAMES: Record<CheckpointKind, string> = {
  'state-office': 'Cơ quan nhà nước',
  school: 'Trường học',
  hospital: 'Cơ sở y tế',
  factory: 'Nhà máy/xí nghiệp',
  shop: 'Cửa hàng',
  market: 'Chợ',
  restaurant: 'Nhà hàng/quán ăn',
  hotel: 'Khách sạn/nhà nghỉ',
  religious: 'Cơ sở tôn giáo',
  transport: 'Bến xe/nhà ga/bến tàu',
  other: 'Khác',
};

/** A kind's Vietnamese name; an id the map does not know (an older record) is shown as it is, never hidden. */
export function kindName(kind: string): string {
  return Object.hasOwn(CHECKPOINT_KIND_NAMES, kind) ? CHECKPOINT_KIND_NAMES[kind as CheckpointKind] : kind;
}

export const YES = 'Có';
export const NO = 'Không';
export const NEVER_ACTIVE = 'Chưa có lượt nào';

/**
 * A leaf unit's table: one row per checkpoint. The eighth column pairs with the units table's (7): its Cộng is the
 * number of checkpoints named against the rule.
 */
export const CHECKPOINT_COLUMNS = [
  { key: 'name', header: 'Tên điểm kiểm soát' },
  { key: 'code', header: 'Mã điểm kiểm soát' },
  { key: 'kind', header: 'Loại' },
  { key: 'createdAt', header: 'Ngày tạo' },
  { key: 'checkins', header: 'Số lượt vào/ra trong 7 ngày' },
  { key: 'active', header: 'Hoạt động trong 7 ngày' },
  { key: 'followsNamingRule', header: 'Đặt tên đúng quy tắc' },
] as const;

/** Under the Cộng row of a leaf's table: the ratio the parent's row shows as (6). */
export const RATIO_LABEL = 'Tỷ lệ hoạt động (%)';

/** "06/01/2022", from a local day YYYY-MM-DD. */
export function formatDay(day: string): string {
  const date = DateTime.fromISO(day, { zone: TIME_ZONE });
  if (!date.isValid) throw new RangeError(`Not a local date: ${day}`);
  return date.toFormat('dd/MM/yyyy');
}

/** "06/01/2022 - 12/01/2022", as the provinces write a period. */
export function formatPeriod(period: UnitReport['period']): string {
  return `${formatDay(period.start)} - ${formatDay(period.end)}`;
}

/** The local day (YYYY-MM-DD) an instant (UTC ISO) falls on in Asia/Ho_Chi_Minh. */
export function localDayOf(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Not an instant: ${iso}`);
  return localDay(at);
}

/** 72420 → "72.420": Vietnamese writes thousands with dots. */
export function formatCount(n: number): string {
  const digits = String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return n < 0 ? `-${digits}` : digits;
}

/** 13.51 → "13,51%": and a decimal comma. */
export function formatPercent(ratio: number): string {
  return `${ratio.toFixed(2).replace('.', ',')}%`;
}

/** "tăng 1.234", "giảm 6.019", "không đổi". */
export function formatChange(difference: number): string {
  if (difference === 0) return 'không đổi';
  return `${difference > 0 ? 'tăng' : 'giảm'} ${formatCount(Math.abs(difference))}`;
}

function activeText(f: ReportFigures): string {
  const ratio = activeRatio(f);
  return ratio === null
    ? formatCount(f.activeCheckpoints)
    : `${formatCount(f.activeCheckpoints)} (${formatPercent(ratio)})`;
}

/**
 * The line under the title, as the seeds put it in prose ("Giảm 6.019 lượt quét mã … so với tuần trước đó"):
 * "Số lượt vào/ra: 72.420, giảm 6.019 so với 7 ngày trước (30/12/2021 - 05/01/2022). Điểm kiểm soát hoạt động:
 * 874 (13,51%), 7 ngày trước: 860 (13,35%)."
 */
export function comparisonLine(
  report: Pick<UnitReport, 'totals' | 'previousTotals' | 'previousPeriod'>,
): string {
  const now = report.totals;
  const before = report.previousTotals;
  return (
    `Số lượt vào/ra: ${formatCount(now.checkins)}, ${formatChange(now.checkins - before.checkins)} so với ` +
    `7 ngày trước (${formatPeriod(report.previousPeriod)}). ` +
    `Điểm kiểm soát hoạt động: ${activeText(now)}, 7 ngày trước: ${activeText(before)}.`
  );
}
