import { checkpointVisitors } from '../src/core/case-queries.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { deps, exportLink, exportSubtitle, localTime, TraceQuery } from './commons/trace.ts';
import { staffRoute } from './http/route.ts';

/** Who was at a checkpoint in a window, within an open case: visits, with companions. Audited. */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams, query: TraceQuery },
  async ({ params, query, principal }) => {
    const asFile = query.format === 'xlsx';
    const found = await checkpointVisitors(deps, principal, {
      ...query,
      checkpointId: params.id,
      export: asFile,
    });
    if (!asFile) return { status: 200, json: { items: found.items } };
    const link = await exportLink(found.case.id, 'nguoi-tai-diem', {
      title: `Những người có mặt tại ${found.checkpoint.name}`,
      subtitle: exportSubtitle(found.case.ref, query.from, query.to, principal.subject),
      columns: [
        { header: 'Số điện thoại', width: 16 },
        { header: 'Vào', width: 18 },
        { header: 'Ra', width: 18 },
        { header: 'Người đi cùng', width: 14 },
      ],
      rows: found.items.map((v) => [v.phone, localTime(v.in), localTime(v.out), v.companions]),
    });
    return { status: 200, json: link };
  },
);
