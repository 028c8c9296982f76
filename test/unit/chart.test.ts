import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  CHART_DEFAULTS,
  CHART_TEXT,
  chartHeight,
  chartLines,
  type DailyChart,
  type DailySeries,
  dayLabel,
  formatCount,
  LEGEND_LABEL_WIDTH,
  legendLabel,
  OTHERS_COLOUR,
  renderChartPng,
  renderChartSvg,
  SERIES_COLOURS,
} from '../../src/render/chart.ts';

/** Rasterising takes seconds on a busy 2-core machine, most of it the first time (WebAssembly warming up). */
const SLOW = 60_000;

/** Hải Hà's week of 06/01/2022–12/01/2022 (Thursday to Wednesday), as seed 004 reports it, spread over days. */
const DAYS = [
  '2022-01-06',
  '2022-01-07',
  '2022-01-08',
  '2022-01-09',
  '2022-01-10',
  '2022-01-11',
  '2022-01-12',
];
const HAI_HA: DailyChart = {
  title: 'Số lượt vào/ra theo ngày',
  subtitle: 'Huyện Hải Hà · 06/01/2022 - 12/01/2022',
  days: DAYS,
  series: [
    { name: 'Xã Quảng Đức', values: [510, 640, 380, 290, 700, 720, 660] },
    { name: 'Thị trấn Quảng Hà', values: [9120, 9870, 8010, 7215, 9440, 9630, 9450] },
    { name: 'Xã Quảng Sơn', values: [120, 90, 40, 35, 150, 160, 140] },
  ],
};

/** `n` communes with distinct totals: commune i has about 1000/i check-ins a day. */
function communes(n: number): DailySeries[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `Xã Số ${i + 1}`,
    values: DAYS.map((_, d) => Math.round(1000 / (i + 1)) + d),
  }));
}

/** The text of every <text> element of an SVG, one entry per line (a <tspan> each), entities decoded. */
function svgTexts(svg: string): string[] {
  const decode = (text: string) =>
    text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text\b[^>]*>(.*?)<\/text>/g)].flatMap((m) => {
    const content = m[1] ?? '';
    const lines = [...content.matchAll(/<tspan\b[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1] ?? '');
    return (lines.length > 0 ? lines : [content]).map(decode);
  });
}

const rgb = (hex: string) =>
  [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Pixels within `tolerance` of `hex` on every channel, optionally inside a box (in image pixels). */
function countColour(
  png: PNG,
  hex: string,
  tolerance = 6,
  box = { x0: 0, y0: 0, x1: png.width, y1: png.height },
): number {
  const [r, g, b] = rgb(hex);
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * png.width + x) * 4;
      if (
        Math.abs(png.data[i]! - r) <= tolerance &&
        Math.abs(png.data[i + 1]! - g) <= tolerance &&
        Math.abs(png.data[i + 2]! - b) <= tolerance
      ) {
        n++;
      }
    }
  }
  return n;
}

const notWhite = (png: PNG) => png.width * png.height - countColour(png, '#ffffff', 0);

describe('the numbers and days the chart prints', () => {
  it('groups thousands with dots, the Vietnamese way', () => {
    expect(formatCount(72_420)).toBe('72.420');
    expect(formatCount(1_234_567)).toBe('1.234.567');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(0)).toBe('0');
  });

  it('labels a day with its Vietnamese weekday and dd/MM', () => {
    expect(dayLabel('2022-01-06')).toEqual(['T5', '06/01']);
    expect(dayLabel('2022-01-09')).toEqual(['CN', '09/01']);
    expect(dayLabel('2022-01-10')).toEqual(['T2', '10/01']);
  });
});

describe('chartLines', () => {
  it('keeps every unit when there are no more than maxSeries, largest total first, each its own colour', () => {
    const lines = chartLines(HAI_HA.series, 10);
    expect(lines.map((l) => [l.label, l.total])).toEqual([
      ['Thị trấn Quảng Hà', 62_735],
      ['Xã Quảng Đức', 3900],
      ['Xã Quảng Sơn', 735],
    ]);
    expect(lines.map((l) => l.colour)).toEqual(SERIES_COLOURS.slice(0, 3));
  });

  it('sums the smallest units into one grey "Khác" line past maxSeries, day by day', () => {
    const series = communes(25);
    const lines = chartLines(series, 10);
    expect(lines).toHaveLength(10);
    expect(lines.slice(0, 9).map((l) => l.label)).toEqual(series.slice(0, 9).map((s) => s.name));
    const others = lines[9]!;
    expect(others.label).toBe(CHART_TEXT.others.units(16));
    expect(others.members).toBe(16);
    expect(others.colour).toBe(OTHERS_COLOUR);
    expect(others.values).toEqual(
      DAYS.map((_, d) => series.slice(9).reduce((sum, s) => sum + s.values[d]!, 0)),
    );
    const all = (xs: { values: number[] }[]) => xs.flatMap((x) => x.values).reduce((a, b) => a + b, 0);
    expect(all(lines)).toBe(all(series));
  });

  it('does not depend on the order the units come in', () => {
    const series = communes(14);
    expect(chartLines([...series].reverse(), 6)).toEqual(chartLines(series, 6));
  });
});

describe('legendLabel', () => {
  /** 10 px a character, so LEGEND_LABEL_WIDTH (300) holds 30. */
  const width = (text: string) => Array.from(text).length * 10;

  it('writes the name and its total', () => {
    expect(legendLabel({ label: 'Xã Quảng Đức', total: 3900 }, width)).toBe('Xã Quảng Đức (3.900)');
  });

  it('shortens a long name with "…" and keeps its total, within LEGEND_LABEL_WIDTH', () => {
    const label = 'Trường học - Trường THCS Quảng Hà - Khu 5, Thị trấn Quảng Hà';
    const shown = legendLabel({ label, total: 12_345 }, width);
    expect(shown).toBe('Trường học - Trường… (12.345)');
    expect(width(shown)).toBeLessThanOrEqual(LEGEND_LABEL_WIDTH);
  });

  it('leaves no separator dangling before the "…"', () => {
    // 25 characters fit before "… (1)": "Trạm y tế xã Quảng Long -" ends in a dash.
    const shown = legendLabel({ label: 'Trạm y tế xã Quảng Long - Thôn 1 và thôn 2', total: 1 }, width);
    expect(shown).toBe('Trạm y tế xã Quảng Long… (1)');
  });
});

describe('renderChartSvg', () => {
  it('writes the title, the subtitle, the unit names with their totals and the days as text', async () => {
    const texts = svgTexts(await renderChartSvg(HAI_HA));
    expect(texts).toContain('Số lượt vào/ra theo ngày');
    expect(texts).toContain('Huyện Hải Hà · 06/01/2022 - 12/01/2022');
    expect(texts).toContain('Thị trấn Quảng Hà (62.735)');
    expect(texts).toContain('Xã Quảng Đức (3.900)');
    expect(texts).toContain('Xã Quảng Sơn (735)');
    expect(texts).toContain(CHART_TEXT.legend.units);
    expect(texts).toContain(CHART_TEXT.yAxis);
    for (const day of ['06/01', '09/01', '12/01', 'T5', 'CN', 'T4']) expect(texts).toContain(day);
    expect(texts).not.toContain(CHART_TEXT.empty);
  });

  it('numbers the y axis with dots between thousands', async () => {
    const texts = svgTexts(await renderChartSvg(HAI_HA));
    // The largest day is 9.870 check-ins: the axis runs to 10.000 in steps of 1.000 or 2.000.
    expect(texts).toContain('10.000');
    expect(texts).toContain('2.000');
    expect(texts.some((t) => /^\d{1,3}(,\d{3})+$/.test(t))).toBe(false);
  });

  it('draws one line per unit, in its colour', async () => {
    const svg = await renderChartSvg(HAI_HA);
    for (const colour of SERIES_COLOURS.slice(0, 3)) expect(svg).toContain(`stroke="${colour}"`);
    expect(svg).not.toContain(`stroke="${SERIES_COLOURS[3]}"`);
  });

  it('names the largest units and groups the rest as "Khác" when there are many', async () => {
    const texts = svgTexts(await renderChartSvg({ ...HAI_HA, series: communes(25) }));
    expect(texts).toContain('Xã Số 1 (7.021)');
    expect(texts).toContain('Xã Số 9 (798)');
    expect(texts.some((t) => t.startsWith('Xã Số 10 '))).toBe(false);
    expect(texts.some((t) => t.startsWith('Xã Số 25 '))).toBe(false);
    expect(texts.find((t) => t.startsWith(CHART_TEXT.others.units(16)))).toBeDefined();
  });

  it('names the lines as checkpoints in the chart of a unit without children', async () => {
    const series = communes(12).map((s, i) => ({ ...s, name: `Điểm kiểm soát số ${i + 1}` }));
    const texts = svgTexts(await renderChartSvg({ ...HAI_HA, series, lines: 'checkpoints' }));
    expect(texts).toContain(CHART_TEXT.legend.checkpoints);
    expect(texts.find((t) => t.startsWith(CHART_TEXT.others.checkpoints(3)))).toBeDefined();
    expect(texts).not.toContain(CHART_TEXT.legend.units);
  });

  it('shortens a long name in the legend and keeps its total', async () => {
    const label = 'Nhà máy - Công ty TNHH May mặc Hải Hà - Khu công nghiệp Texhong Hải Hà';
    const texts = svgTexts(
      await renderChartSvg({ ...HAI_HA, series: [{ name: label, values: [1, 2, 3, 4, 5, 6, 7] }] }),
    );
    const shown = texts.find((t) => t.endsWith('… (28)'));
    expect(shown).toBeDefined();
    expect(label.startsWith(shown!.slice(0, shown!.indexOf('…')))).toBe(true);
    expect(shown!.length).toBeLessThan(label.length);
  });

  it('renders a period with no check-ins at all, with a note and a 0-10 axis', async () => {
    const empty = { ...HAI_HA, series: HAI_HA.series.map((s) => ({ ...s, values: s.values.map(() => 0) })) };
    const texts = svgTexts(await renderChartSvg(empty));
    expect(texts).toContain(CHART_TEXT.empty);
    expect(texts).toContain('Thị trấn Quảng Hà (0)');
    expect(texts).toContain('10');
  });

  it('keeps names with quotes, ampersands and angle brackets as they are', async () => {
    const name = `Công ty "Hải Hà" & Co <KCN> 'Texhong'`;
    const texts = svgTexts(
      await renderChartSvg({ ...HAI_HA, series: [{ name, values: [1, 1, 1, 1, 1, 1, 1] }] }),
    );
    expect(texts).toContain(`${name} (7)`);
  });

  it('gives the same SVG for the same input', async () => {
    expect(await renderChartSvg(HAI_HA)).toBe(await renderChartSvg(structuredClone(HAI_HA)));
  });

  it('refuses values that do not match the days, and dates that are not local dates', async () => {
    await expect(
      renderChartSvg({ ...HAI_HA, series: [{ name: 'Xã Quảng Sơn', values: [1, 2, 3] }] }),
    ).rejects.toThrow(/3 values for 7 days/);
    await expect(renderChartSvg({ ...HAI_HA, days: [...DAYS.slice(1), '2022-01-32'] })).rejects.toThrow(
      /2022-01-32/,
    );
    await expect(
      renderChartSvg({ ...HAI_HA, series: [{ name: 'Xã Quảng Sơn', values: [1, 2, 3, 4, 5, 6, -7] }] }),
    ).rejects.toThrow(RangeError);
  });
});

describe('renderChartPng', () => {
  it(
    'renders a PNG of the default size, with ink, each unit in its colour and no other series colour',
    async () => {
      const png = PNG.sync.read(await renderChartPng(HAI_HA));
      expect([png.width, png.height]).toEqual([
        CHART_DEFAULTS.width * CHART_DEFAULTS.scale,
        chartHeight(CHART_DEFAULTS.width) * CHART_DEFAULTS.scale,
      ]);
      expect(notWhite(png)).toBeGreaterThan(png.width * png.height * 0.02);
      for (const colour of SERIES_COLOURS.slice(0, 3)) expect(countColour(png, colour)).toBeGreaterThan(500);
      for (const colour of [...SERIES_COLOURS.slice(3), OTHERS_COLOUR])
        expect(countColour(png, colour)).toBe(0);
    },
    SLOW,
  );

  it(
    'draws the text with the font it is given (the title is ink in the top-left corner)',
    async () => {
      const png = PNG.sync.read(await renderChartPng(HAI_HA, { width: 800, scale: 1 }));
      expect([png.width, png.height]).toEqual([800, 450]);
      // The title, 24 px bold in #1f2937, in the first 50 px; without a usable font resvg draws no text at all.
      const title = { x0: 0, y0: 0, x1: 400, y1: 50 };
      expect(countColour(png, '#1f2937', 24, title)).toBeGreaterThan(400);
    },
    SLOW,
  );

  it(
    'draws "Khác" in grey when units are grouped',
    async () => {
      const png = PNG.sync.read(await renderChartPng({ ...HAI_HA, series: communes(25) }, { scale: 1 }));
      expect(countColour(png, OTHERS_COLOUR)).toBeGreaterThan(300);
      for (const colour of SERIES_COLOURS.slice(0, 9)) expect(countColour(png, colour)).toBeGreaterThan(100);
    },
    SLOW,
  );

  it(
    'renders an empty period',
    async () => {
      const empty = {
        ...HAI_HA,
        series: HAI_HA.series.map((s) => ({ ...s, values: s.values.map(() => 0) })),
      };
      const png = PNG.sync.read(await renderChartPng(empty, { scale: 1 }));
      expect([png.width, png.height]).toEqual([1200, 675]);
      expect(notWhite(png)).toBeGreaterThan(png.width * png.height * 0.01);
    },
    SLOW,
  );

  it(
    'gives the same bytes for the same input, and other bytes for other figures',
    async () => {
      const once = await renderChartPng(HAI_HA, { scale: 1 });
      expect((await renderChartPng(structuredClone(HAI_HA), { scale: 1 })).equals(once)).toBe(true);
      const other = structuredClone(HAI_HA);
      other.series[0]!.values[3] = 5000;
      expect((await renderChartPng(other, { scale: 1 })).equals(once)).toBe(false);
    },
    SLOW,
  );

  it('refuses a scale out of range', async () => {
    await expect(renderChartPng(HAI_HA, { scale: 0 })).rejects.toThrow(RangeError);
  });
});
