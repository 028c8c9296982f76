import { phoneVisits } from '../src/core/case-queries.ts';
import { events } from './commons/services.ts';
import { deps, exportLink, exportSubtitle, localTime, PhoneParams, TraceQuery } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** Where a person went in a window, within an open case: their visits in the token's scope. Audited. */
export const handler = staffRoute(
  events,
  { params: PhoneParams, query: TraceQuery },
  async ({ params, query, principal }) => {
    const asFile = query.format === 'xlsx';
    const found = await phoneVisits(deps, principal, { ...query, phone: params.phone, export: asFile });
    if (!asFile) return { status: 200, json: { items: found.items } };
    const link = await exportLink(found.case.id, 'lich-trinh', {
      title: `Lịch trình của ${found.phone}`,
      subtitle: exportSubtitle(found.case.ref, query.from, query.to, principal.subject),
      columns: [
        { header: 'Điểm kiểm soát', width: 48 },
        { header: 'Đơn vị', width: 18 },
        { header: 'Vào', width: 18 },
        { header: 'Ra', width: 18 },
        { header: 'Người đi cùng', width: 14 },
      ],
      rows: found.items.map((v) => [
        v.checkpointName,
        v.unitId,
        localTime(v.in),
        localTime(v.out),
        v.companions,
      ]),
    });
    return { status: 200, json: link };
  },
);
