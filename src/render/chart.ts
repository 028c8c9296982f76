import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as fontkit from 'fontkit';
import { DateTime } from 'luxon';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { isLocalDate, TIME_ZONE } from '../core/time.ts';
import { loadChartAssets } from './chart-assets.ts';

/**
 * The weekly report's picture: check-ins per day of the period, one line per child unit, as SVG and as PNG,
 * without a browser. Vega-Lite describes the chart, Vega lays it out and writes SVG (headless, renderer 'none'),
 * resvg (WebAssembly) rasterises it with Be Vietnam Pro, the only font it is given (src/render/chart-assets.ts).
 * The same input gives the same bytes: no clock, no randomness, no system font.
 */

/** One line: a child unit (or a checkpoint) and its check-ins on each day, in the order of DailyChart.days. */
export interface DailySeries {
  name: string;
  values: number[];
}

export interface DailyChart {
  title: string;
  /** A line under the title, e.g. the unit and the period. */
  subtitle?: string;
  /** Local days, YYYY-MM-DD, in order. */
  days: string[];
  series: DailySeries[];
  /** What a line stands for: a child unit (the default) or, in a unit without children, a checkpoint. */
  lines?: LineKind;
}

export type LineKind = 'units' | 'checkpoints';

export interface ChartOptions {
  /** Width of the picture in CSS pixels (the SVG's units); its height is 9/16 of it. */
  width?: number;
  /**
   * Lines drawn at most. With more units, the largest `maxSeries - 1` (by their total over the period) keep their
   * own line and the others share one, "Khác": twenty coloured lines cannot be told apart on paper.
   */
  maxSeries?: number;
}

export interface PngOptions extends ChartOptions {
  /** Pixels per CSS pixel: the default 2 gives 2400 × 1350, about 200 dpi across A4 landscape. */
  scale?: number;
}

export const CHART_DEFAULTS = { width: 1200, scale: 2, maxSeries: 10 } as const;

/** d3's category10 without its grey, which is kept for "Khác", plus a dark indigo: ten hues that print apart. */
export const SERIES_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#393b79',
] as const;
export const OTHERS_COLOUR = '#7f7f7f';

export const CHART_TEXT = {
  yAxis: 'Lượt vào/ra',
  legend: { units: 'Đơn vị (tổng lượt trong kỳ)', checkpoints: 'Điểm kiểm soát (tổng lượt trong kỳ)' },
  others: {
    units: (n: number) => `Khác – ${n} đơn vị`,
    checkpoints: (n: number) => `Khác – ${n} điểm`,
  },
  empty: 'Không có lượt vào/ra nào trong kỳ',
  weekdays: ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'],
} as const;

/** A legend entry is at most this wide (CSS pixels): a longer name is shortened with "…", its total kept. */
export const LEGEND_LABEL_WIDTH = 300;
const LEGEND_FONT_SIZE = 14;

const FONT_FAMILY = 'Be Vietnam Pro';
const INK = '#1f2937';
const MUTED = '#4b5563';

/** The height of a chart `width` wide. */
export function chartHeight(width: number): number {
  return Math.round((width * 9) / 16);
}

/** 72420 → "72.420": Vietnamese digit grouping, without depending on the ICU data Node was built with. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** "2022-01-06" → ["T5", "06/01"]: the weekday as Vietnamese calendars write it, then dd/MM. */
export function dayLabel(day: string): [string, string] {
  const date = DateTime.fromISO(day, { zone: TIME_ZONE });
  return [CHART_TEXT.weekdays[date.weekday - 1] as string, date.toFormat('dd/MM')];
}

/** A line of the chart: one series, or the smallest grouped as "Khác". */
export interface ChartLine {
  label: string;
  /** How many series it stands for. */
  members: number;
  total: number;
  values: number[];
  colour: string;
}

/**
 * The lines to draw, largest total first (ties by name, Vietnamese order), each with its colour. Past
 * `maxSeries` units the smallest are summed into one grey line, "Khác".
 */
export function chartLines(
  series: readonly DailySeries[],
  maxSeries: number,
  kind: LineKind = 'units',
): ChartLine[] {
  const ranked = series
    .map((s) => ({ name: s.name, values: s.values, total: s.values.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'vi'));
  const own = ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked;
  const lines: ChartLine[] = own.map((s, i) => ({
    label: s.name,
    members: 1,
    total: s.total,
    values: s.values,
    colour: SERIES_COLOURS[i] as string,
  }));
  const rest = ranked.slice(own.length);
  if (rest.length > 0) {
    const days = rest[0]?.values.length ?? 0;
    lines.push({
      label: CHART_TEXT.others[kind](rest.length),
      members: rest.length,
      total: rest.reduce((a, s) => a + s.total, 0),
      values: Array.from({ length: days }, (_, d) => rest.reduce((a, s) => a + (s.values[d] ?? 0), 0)),
      colour: OTHERS_COLOUR,
    });
  }
  return lines;
}

/**
 * "Thị trấn Quảng Hà (62.735)": a line's name and total, the name shortened with "…" when the whole would be
 * wider than LEGEND_LABEL_WIDTH, so the total always shows.
 */
export function legendLabel(
  line: Pick<ChartLine, 'label' | 'total'>,
  width: (text: string) => number,
): string {
  const total = ` (${formatCount(line.total)})`;
  const whole = `${line.label}${total}`;
  if (width(whole) <= LEGEND_LABEL_WIDTH) return whole;
  const chars = Array.from(line.label);
  // The first n characters, without the spaces or separators that would dangle before the "…".
  const cut = (n: number) =>
    `${chars
      .slice(0, n)
      .join('')
      .replace(/[\s,;:–-]+$/, '')}…${total}`;
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (width(cut(mid)) <= LEGEND_LABEL_WIDTH) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}

/** The Vega-Lite description of the chart: exported so tests can read what is drawn without pixels. */
export function chartSpec(chart: DailyChart, options: ChartOptions = {}): TopLevelSpec {
  const width = options.width ?? CHART_DEFAULTS.width;
  const maxSeries = options.maxSeries ?? CHART_DEFAULTS.maxSeries;
  validate(chart, width, maxSeries);
  const kind = chart.lines ?? 'units';
  const lines = chartLines(chart.series, maxSeries, kind);
  // Lines are keyed by rank, not by name: two units may share a name, and the legend shows name and total.
  const keys = lines.map((_, i) => `s${String(i).padStart(2, '0')}`);
  const rows = lines.flatMap((line, i) =>
    chart.days.map((day, d) => ({ key: keys[i], day, n: line.values[d] })),
  );
  const empty = lines.every((line) => line.total === 0);
  const { fonts } = assets();
  const legendLabels = Object.fromEntries(
    lines.map((line, i) => [
      keys[i],
      legendLabel(line, (text) => textWidth(fonts, text, false, LEGEND_FONT_SIZE)),
    ]),
  );
  const dayLabels = Object.fromEntries(chart.days.map((day) => [day, dayLabel(day)]));

  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'line', strokeWidth: 3, point: { filled: true, size: 70 } },
      encoding: {
        x: {
          field: 'day',
          type: 'ordinal',
          sort: chart.days,
          title: null,
          scale: { padding: 0.4 },
          axis: { labelExpr: `${JSON.stringify(dayLabels)}[datum.value]`, labelAngle: 0, labelPadding: 8 },
        },
        y: {
          field: 'n',
          type: 'quantitative',
          title: CHART_TEXT.yAxis,
          // All zeros: a 0–10 axis, so the flat lines sit on the floor of a readable scale.
          scale: empty ? { domain: [0, 10] } : { zero: true, nice: true },
          axis: { format: ',d', tickMinStep: 1 },
        },
        color: {
          field: 'key',
          type: 'nominal',
          sort: keys,
          scale: { domain: keys, range: lines.map((line) => line.colour) },
          legend: {
            title: CHART_TEXT.legend[kind],
            labelExpr: `${JSON.stringify(legendLabels)}[datum.value]`,
          },
        },
      },
    },
  ];
  if (empty) {
    layers.push({
      data: { values: [{}] },
      mark: { type: 'text', fontSize: 18, color: MUTED, align: 'center', baseline: 'middle' },
      encoding: {
        x: { value: { expr: 'width / 2' } },
        y: { value: { expr: 'height / 2' } },
        text: { value: CHART_TEXT.empty },
      },
    });
  }

  return {
    width,
    height: chartHeight(width),
    autosize: { type: 'fit', contains: 'padding' },
    padding: { top: 20, right: 24, bottom: 16, left: 20 },
    background: 'white',
    title: {
      text: chart.title,
      ...(chart.subtitle ? { subtitle: chart.subtitle } : {}),
      anchor: 'start',
      fontSize: 24,
      fontWeight: 'bold',
      color: INK,
      subtitleFontSize: 15,
      subtitleColor: MUTED,
      subtitlePadding: 6,
      offset: 20,
    },
    data: { values: rows },
    layer: layers,
    config: {
      font: FONT_FAMILY,
      // Vietnamese number style for the axis: 72.420.
      locale: { number: { decimal: ',', thousands: '.', grouping: [3], currency: ['', ' ₫'] } },
      view: { stroke: null },
      axis: {
        labelFontSize: 14,
        labelColor: INK,
        titleFontSize: 14,
        titleColor: INK,
        titleFontWeight: 'bold',
        domainColor: '#9ca3af',
        tickColor: '#9ca3af',
        gridColor: '#e5e7eb',
        labelLineHeight: 18,
      },
      axisX: { grid: false },
      legend: {
        orient: 'right',
        offset: 24,
        labelFontSize: LEGEND_FONT_SIZE,
        labelColor: INK,
        labelLimit: 0, // legendLabel() has fitted them
        titleFontSize: 14,
        titleColor: INK,
        titleFontWeight: 'bold',
        titlePadding: 10,
        titleLimit: 0,
        rowPadding: 8,
        symbolType: 'stroke',
        symbolStrokeWidth: 4,
        symbolSize: 300,
      },
    },
  };
}

/** The chart as an SVG document. Its text is real text, in Be Vietnam Pro. */
export async function renderChartSvg(chart: DailyChart, options: ChartOptions = {}): Promise<string> {
  const spec = chartSpec(chart, options);
  measureTextWith(assets().fonts);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG, `width × scale` pixels wide, white background. */
export async function renderChartPng(chart: DailyChart, options: PngOptions = {}): Promise<Buffer> {
  const scale = options.scale ?? CHART_DEFAULTS.scale;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`A chart's scale must be in (0, 8], not ${scale}`);
  const svg = await renderChartSvg(chart, options);
  const { files } = assets();
  await rasteriserReady(files.wasm);
  const resvg = new Resvg(svg, {
    font: {
      fontBuffers: [files.regular, files.bold],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  try {
    const image = resvg.render();
    try {
      return Buffer.from(image.asPng());
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

function validate(chart: DailyChart, width: number, maxSeries: number): void {
  if (!(Number.isInteger(width) && width >= 480 && width <= 4000)) {
    throw new RangeError(`A chart's width must be a whole number of pixels from 480 to 4000, not ${width}`);
  }
  if (!(Number.isInteger(maxSeries) && maxSeries >= 2 && maxSeries <= SERIES_COLOURS.length)) {
    throw new RangeError(`maxSeries must be from 2 to ${SERIES_COLOURS.length}, not ${maxSeries}`);
  }
  if (chart.days.length === 0) throw new RangeError('A chart needs at least one day');
  for (const day of chart.days) {
    if (!isLocalDate(day)) throw new RangeError(`Not a local date (YYYY-MM-DD): ${day}`);
  }
  for (const s of chart.series) {
    if (s.values.length !== chart.days.length) {
      throw new RangeError(`${s.name} has ${s.values.length} values for ${chart.days.length} days`);
    }
    if (!s.values.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new RangeError(`${s.name} has a value that is not a count: ${s.values.join(', ')}`);
    }
  }
}

// ---- run-time files, loaded once per process ----

interface ChartFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let loaded: { files: ReturnType<typeof loadChartAssets>; fonts: ChartFonts } | undefined;

function assets() {
  if (!loaded) {
    const files = loadChartAssets();
    loaded = { files, fonts: { regular: openFont(files.regular), bold: openFont(files.bold) } };
  }
  return loaded;
}

function openFont(bytes: Buffer): fontkit.Font {
  const font = fontkit.create(bytes);
  if (!('unitsPerEm' in font)) throw new Error('Expected a single font, got a font collection');
  return font;
}

let wasmReady: Promise<void> | undefined;

/** resvg's module is instantiated once per process; a failed start is retried by the next render. */
function rasteriserReady(wasm: Buffer): Promise<void> {
  wasmReady ??= initWasm(wasm).catch((error: unknown) => {
    wasmReady = undefined;
    throw error;
  });
  return wasmReady;
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}
type WidthOf = (item: TextItem, text?: unknown) => number;

const widthCache = new Map<string, number>();

/** The advance width of `text` in Be Vietnam Pro at `size` pixels, kerning included. */
function textWidth(fonts: ChartFonts, text: string, bold: boolean, size: number): number {
  const key = `${bold ? 'b' : 'r'}${text}`;
  let em = widthCache.get(key);
  if (em === undefined) {
    const font = bold ? fonts.bold : fonts.regular;
    em = font.layout(text).advanceWidth / font.unitsPerEm;
    if (widthCache.size > 10_000) widthCache.clear();
    widthCache.set(key, em);
  }
  return em * size;
}

let measuringWith: ChartFonts | undefined;

/**
 * Vega lays out text (legend columns, axis offsets, the title) with the widths of its strings. Without a
 * canvas it guesses 0.8 em a character, which leaves the legend half empty and would cut names short; this gives
 * it the widths of Be Vietnam Pro itself, the font resvg draws with. Vega reads the width function from its
 * exported `textMetrics` object and provides for replacing it (Vega's own vl-convert does the same).
 */
function measureTextWith(fonts: ChartFonts): void {
  if (measuringWith === fonts) return;
  const textMetrics = (vega as unknown as { textMetrics: { width: WidthOf } }).textMetrics;
  textMetrics.width = (item, text) => {
    // Vega asks per line of text, and per candidate when it shortens a text to a limit; the trim is Vega's own.
    const line = text == null ? '' : String(text).trim();
    const size = item.fontSize == null ? 11 : Number(item.fontSize) || 0;
    if (line === '' || size <= 0) return 0;
    return textWidth(fonts, line, item.fontWeight === 'bold' || Number(item.fontWeight) >= 600, size);
  };
  measuringWith = fonts;
}
