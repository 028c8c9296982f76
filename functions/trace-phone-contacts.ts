import { phoneContacts } from '../src/core/case-queries.ts';
import { events } from './commons/services.ts';
import { ContactQuery, deps, exportLink, exportSubtitle, localTime, PhoneParams } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** A person's contacts (F1, and F2 with ring=2) in a window, within an open case. Audited. */
export const handler = staffRoute(
  events,
  { params: PhoneParams, query: ContactQuery },
  async ({ params, query, principal }) => {
    const asFile = query.format === 'xlsx';
    const found = await phoneContacts(deps, principal, { ...query, phone: params.phone, export: asFile });
    if (!asFile) {
      return {
        status: 200,
        json: { items: found.items, ...(found.secondRingCut ? { secondRingCut: true } : {}) },
      };
    }
    const link = await exportLink(found.case.id, 'tiep-xuc', {
      title: `Những người tiếp xúc với ${found.phone}`,
      subtitle: exportSubtitle(found.case.ref, query.from, query.to, principal.subject),
      columns: [
        { header: 'Số điện thoại', width: 16 },
        { header: 'F', width: 5 },
        { header: 'Qua', width: 16 },
        { header: 'Điểm kiểm soát', width: 48 },
        { header: 'Từ', width: 18 },
        { header: 'Đến', width: 18 },
        { header: 'Số phút', width: 9 },
        { header: 'Người đi cùng', width: 14 },
      ],
      rows: found.items.map((c) => [
        c.phone,
        c.ring,
        c.via ?? '',
        c.checkpointName,
        localTime(c.from),
        localTime(c.to),
        c.overlapMinutes,
        c.companions,
      ]),
    });
    return { status: 200, json: link };
  },
);
