import { DateTime } from 'luxon';
import { TIME_ZONE } from './time.ts';

/**
 * The text of every exposure alert, in one place (NHS COVID-19's M1 "you may have been exposed" and M2 "book a
 * test"). A message names a place and a time, never a person: no name, no other phone, no case reference.
 */
export const ALERT_TEMPLATES = ['exposure', 'get-tested'] as const;
export type AlertTemplate = (typeof ALERT_TEMPLATES)[number];

const TEXTS: Record<AlertTemplate, string> = {
  exposure:
    'Bạn có thể đã tiếp xúc với ca bệnh tại {checkpoint} từ {from} đến {to}. ' +
    'Hãy theo dõi sức khỏe trong 14 ngày và báo cho trạm y tế nếu có triệu chứng.',
  'get-tested':
    'Bạn có thể đã tiếp xúc với ca bệnh tại {checkpoint} từ {from} đến {to}. ' +
    'Hãy đi xét nghiệm tại trạm y tế gần nhất và hạn chế tiếp xúc cho đến khi có kết quả.',
};

/** Local time as people read it: 14:05 06/01/2022 (Asia/Ho_Chi_Minh). */
function localTime(at: Date): string {
  return DateTime.fromJSDate(at, { zone: TIME_ZONE }).toFormat('HH:mm dd/MM/yyyy');
}

/** The message one recipient receives: the template with the place and the window filled in. */
export function alertMessage(
  template: AlertTemplate,
  fill: { checkpoint: string; from: Date; to: Date },
): string {
  return TEXTS[template]
    .replace('{checkpoint}', fill.checkpoint)
    .replace('{from}', localTime(fill.from))
    .replace('{to}', localTime(fill.to));
}
