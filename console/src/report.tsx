import { useEffect, useState } from 'preact/hooks';
import { api, type Figures, type Period, REPORT_FORMATS, type Report, type ReportFormat } from './api.ts';
import { fmtDay, fmtInt, fmtPeriod, fmtRatio, fmtSigned, fmtSignedRatio } from './format.ts';
import { Card, Problem } from './ui.tsx';

const FORMAT_LABELS: Record<ReportFormat, string> = {
  xlsx: 'Excel (XLSX)',
  csv: 'CSV',
  json: 'JSON',
  png: 'Biểu đồ (PNG)',
};

const FIGURE_KEYS = [
  'checkpointsTotal',
  'checkpointsNew',
  'checkins',
  'activeCheckpoints',
  'activeRatio',
  'namingViolations',
] as const;

function cell(figures: Figures, key: (typeof FIGURE_KEYS)[number]) {
  const value = figures[key];
  return key === 'activeRatio' ? fmtRatio(value) : fmtInt(value ?? 0);
}

/**
 * The unit's weekly report as stored (the JSON file beside the XLSX), with a period picker and downloads: the
 * latest period, or `start` when the address names one the unit has (a link from the Friday e-mail).
 */
export function ReportScreen({ unitId, start: asked }: { unitId: string; start?: string | undefined }) {
  const [periods, setPeriods] = useState<Period[] | undefined>();
  const [start, setStart] = useState<string | undefined>();
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    setPeriods(undefined);
    setReport(undefined);
    setError(undefined);
    api.reportPeriods(unitId).then(({ items }) => {
      setPeriods(items);
      setStart(items.find((p) => p.start === asked)?.start ?? items[0]?.start);
    }, setError);
  }, [unitId, asked]);

  useEffect(() => {
    if (!start) return;
    setReport(undefined);
    api.report(unitId, start).then(setReport, setError);
  }, [unitId, start]);

  if (error) return <Problem error={error} />;
  if (!periods) return <p class="loading">Đang tải danh sách báo cáo…</p>;
  if (periods.length === 0) return <p class="empty">Đơn vị này chưa có báo cáo tuần nào.</p>;

  return (
    <div class="report">
      <div class="toolbar">
        <label>
          Kỳ báo cáo{' '}
          <select
            id="period"
            value={start}
            onChange={(e) => setStart((e.currentTarget as HTMLSelectElement).value)}
          >
            {periods.map((p) => (
              <option key={p.start} value={p.start}>
                {fmtPeriod(p)}
              </option>
            ))}
          </select>
        </label>
        {start && <Downloads unitId={unitId} start={start} />}
      </div>
      {report ? <ReportBody report={report} /> : <p class="loading">Đang tải báo cáo…</p>}
    </div>
  );
}

/** Each click asks for a fresh signed link, so a page left open since Monday never hands out a dead one. */
function Downloads({ unitId, start }: { unitId: string; start: string }) {
  const [busy, setBusy] = useState<ReportFormat | undefined>();
  const [error, setError] = useState<unknown>();
  const download = async (format: ReportFormat) => {
    setBusy(format);
    setError(undefined);
    try {
      const { url } = await api.reportLink(unitId, start, format);
      location.assign(url);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div class="downloads">
      {REPORT_FORMATS.map((format) => (
        <button
          type="button"
          key={format}
          data-format={format}
          disabled={busy !== undefined}
          onClick={() => download(format)}
        >
          {busy === format ? 'Đang tạo liên kết…' : `Tải ${FORMAT_LABELS[format]}`}
        </button>
      ))}
      {error !== undefined && <Problem error={error} />}
    </div>
  );
}

function ReportBody({ report }: { report: Report }) {
  const leaf = report.level === 'checkpoints';
  return (
    <>
      <h2 class="report-title">
        {report.unit.name} — {fmtPeriod(report.period)}
      </h2>
      <Change report={report} />
      {leaf ? <CheckpointTable report={report} /> : <UnitTable report={report} />}
      <Chart report={report} />
      {!leaf && <Lagging report={report} />}
      <Idle report={report} />
      <p class="note">
        Số liệu lấy nguyên từ báo cáo đã lưu, lập lúc {new Date(report.generatedAt).toLocaleString('vi-VN')}.
      </p>
    </>
  );
}

function Change({ report }: { report: Report }) {
  const { totals, change } = report;
  const items: [string, string, string][] = [
    ['Lượt vào/ra', fmtInt(totals.checkins), fmtSigned(change.checkins)],
    ['Điểm hoạt động', fmtInt(totals.activeCheckpoints), fmtSigned(change.activeCheckpoints)],
    ['Điểm đã tạo', fmtInt(totals.checkpointsTotal), fmtSigned(change.checkpointsTotal)],
    ['Tỷ lệ hoạt động (%)', fmtRatio(totals.activeRatio), fmtSignedRatio(change.activeRatio)],
  ];
  return (
    <div class="change" id="change">
      {items.map(([label, value, delta]) => (
        <div class="figure" key={label}>
          <span class="label">{label}</span>
          <span class="value">{value}</span>
          <span class="delta">
            {delta} so với tuần trước ({fmtPeriod(report.previousPeriod)})
          </span>
        </div>
      ))}
    </div>
  );
}

function UnitTable({ report }: { report: Report }) {
  return (
    <div class="table-wrap">
      <table id="report-table">
        <thead>
          <tr>
            <th>TT</th>
            {report.columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.rows.map((row, i) => (
            <tr key={row.unitId}>
              <td>{i + 1}</td>
              <td>{row.unitName}</td>
              {FIGURE_KEYS.map((k) => (
                <td key={k} class="num" data-key={k}>
                  {cell(row, k)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr id="totals">
            <td />
            <th scope="row">Cộng</th>
            {FIGURE_KEYS.map((k) => (
              <td key={k} class="num" data-key={k} data-value={String(report.totals[k] ?? '')}>
                {cell(report.totals, k)}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function CheckpointTable({ report }: { report: Report }) {
  return (
    <div class="table-wrap">
      <table id="report-table">
        <thead>
          <tr>
            <th>TT</th>
            <th>Điểm kiểm soát</th>
            <th>Mã</th>
            <th>Lượt vào/ra trong 7 ngày</th>
            <th>So với tuần trước</th>
          </tr>
        </thead>
        <tbody>
          {report.checkpoints.map((cp, i) => (
            <tr key={cp.checkpointId}>
              <td>{i + 1}</td>
              <td>{cp.name}</td>
              <td>{cp.code}</td>
              <td class="num">{fmtInt(cp.checkins)}</td>
              <td class="num">{fmtSigned(cp.change.checkins)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr id="totals">
            <td />
            <th scope="row">Cộng</th>
            <td />
            <td class="num" data-key="checkins" data-value={String(report.totals.checkins)}>
              {fmtInt(report.totals.checkins)}
            </td>
            <td class="num">{fmtSigned(report.change.checkins)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** Check-ins per day of the period, all series together: a glance, the PNG download is the full chart. */
function Chart({ report }: { report: Report }) {
  const { days, series } = report.daily;
  if (days.length === 0) return null;
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 100 / days.length;
  return (
    <Card title="Lượt vào/ra theo ngày">
      <svg class="chart" viewBox="0 0 100 50" preserveAspectRatio="none" role="img" aria-label="Biểu đồ">
        {totals.map((v, i) => (
          <rect
            key={days[i]}
            x={i * width + width * 0.15}
            width={width * 0.7}
            y={50 - (v / max) * 48}
            height={(v / max) * 48}
          >
            <title>{`${fmtDay(days[i]!)}: ${fmtInt(v)}`}</title>
          </rect>
        ))}
      </svg>
      <div class="chart-days">
        {days.map((d, i) => (
          <span key={d}>
            {fmtDay(d).slice(0, 5)}
            <br />
            {fmtInt(totals[i]!)}
          </span>
        ))}
      </div>
    </Card>
  );
}

function Lagging({ report }: { report: Report }) {
  const lagging = report.ranking.slice(0, 5);
  if (lagging.length === 0) return null;
  return (
    <Card title="Đơn vị có tỷ lệ hoạt động thấp nhất">
      <ol id="lagging">
        {lagging.map((u) => (
          <li key={u.unitId}>
            {u.unitName}: {fmtRatio(u.ratio)} % ({fmtInt(u.activeCheckpoints)}/{fmtInt(u.checkpointsTotal)}{' '}
            điểm)
          </li>
        ))}
      </ol>
    </Card>
  );
}

function Idle({ report }: { report: Report }) {
  const total = report.listTotals?.idle ?? report.idle.length;
  return (
    <Card title={`Điểm không có lượt vào/ra trong tuần (${fmtInt(total)})`}>
      {report.idle.length === 0 ? (
        <p class="empty">Không có điểm nào.</p>
      ) : (
        <ul id="idle" class="idle">
          {report.idle.slice(0, 30).map((cp) => (
            <li key={cp.checkpointId}>
              <strong>{cp.name}</strong> <span class="code">{cp.code}</span> — {cp.unitName}
              {cp.lastActiveDay ? `, lần cuối ${fmtDay(cp.lastActiveDay)}` : ', chưa từng hoạt động'}
            </li>
          ))}
        </ul>
      )}
      {total > Math.min(30, report.idle.length) && (
        <p class="note">Danh sách đầy đủ có trong tệp Excel và trong báo cáo của từng đơn vị cấp dưới.</p>
      )}
    </Card>
  );
}
