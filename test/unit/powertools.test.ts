import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeLogger, makeMetrics, powertoolsEvents } from '../../src/adapters/powertools.ts';
import type { Events } from '../../src/core/ports.ts';
import { captureLogs } from '../log-capture.ts';

/** The typed events on Powertools: what each event logs, and the EMF metrics an operator reads. */

type Emf = Record<string, unknown> & {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
};

let events: Events;
let flush: () => void;
let log: ReturnType<typeof captureLogs>;

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'vaora/quang-ninh');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'create-checkin');
  vi.stubEnv('LOG_LEVEL', 'debug');
  const logger = makeLogger();
  const metrics = makeMetrics(logger);
  events = powertoolsEvents(logger, metrics);
  flush = () => metrics.publishStoredMetrics();
  log = captureLogs();
});

afterEach(() => {
  log.restore();
  vi.unstubAllEnvs();
});

const emf = () => log.lines().filter((line): line is Emf => '_aws' in line);
/** The EMF lines that carry a metric, with its value and the dimensions it is published under. */
const metric = (name: string) =>
  emf()
    .filter((line) => line._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === name))
    .map((line) => {
      const { Namespace, Dimensions, Metrics } = line._aws.CloudWatchMetrics[0]!;
      const dimensions = Object.fromEntries(Dimensions[0]!.map((d) => [d, line[d]]));
      return {
        namespace: Namespace,
        unit: Metrics.find((m) => m.Name === name)!.Unit,
        value: line[name],
        dimensions,
      };
    });

describe('check-in metrics', () => {
  it('counts stored, duplicate and assisted check-ins on the one EMF line the request flushes', () => {
    events.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: false, method: 'web' });
    events.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: false, method: 'assisted' });
    events.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: true, method: 'app' });
    expect(emf()).toEqual([]);
    flush();

    expect(emf()).toHaveLength(1);
    const service = { service: 'create-checkin' };
    expect(metric('CheckinsStored')).toEqual([
      { namespace: 'vaora/quang-ninh', unit: 'Count', value: [1, 1], dimensions: service },
    ]);
    expect(metric('CheckinsAssisted')).toEqual([
      { namespace: 'vaora/quang-ninh', unit: 'Count', value: 1, dimensions: service },
    ]);
    expect(metric('CheckinsDuplicate')).toEqual([
      { namespace: 'vaora/quang-ninh', unit: 'Count', value: 1, dimensions: service },
    ]);
  });

  it('counts refused check-ins by their reason, each at once', () => {
    events.emit({ event: 'CheckinRejected', reason: 'invalid_phone' });
    events.emit({ event: 'CheckinRejected', reason: 'unknown_checkpoint' });

    expect(metric('CheckinsRejected')).toEqual([
      {
        namespace: 'vaora/quang-ninh',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'create-checkin', reason: 'invalid_phone' },
      },
      {
        namespace: 'vaora/quang-ninh',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'create-checkin', reason: 'unknown_checkpoint' },
      },
    ]);
    // A reason is a dimension of the refusal only: the next request's counts are not split by it.
    events.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: false, method: 'web' });
    flush();
    expect(metric('CheckinsStored')[0]!.dimensions).toEqual({ service: 'create-checkin' });
  });
});

describe('weekly run metrics', () => {
  it("publishes a run's time and its failed units when it completes, without waiting for a flush", () => {
    events.emit({
      event: 'WeeklyReportRunCompleted',
      start: '2022-01-06',
      reports: 40,
      failed: 2,
      ms: 93_500,
    });

    expect(metric('WeeklyRunTime')).toEqual([
      {
        namespace: 'vaora/quang-ninh',
        unit: 'Milliseconds',
        value: 93_500,
        dimensions: { service: 'create-checkin' },
      },
    ]);
    expect(metric('WeeklyRunUnitsFailed')).toEqual([
      { namespace: 'vaora/quang-ninh', unit: 'Count', value: 2, dimensions: { service: 'create-checkin' } },
    ]);
  });

  it('publishes zero failed units for a run that reported every unit (an alarm then sees a value)', () => {
    events.emit({
      event: 'WeeklyReportRunCompleted',
      start: '2022-01-06',
      reports: 40,
      failed: 0,
      ms: 1_000,
    });
    expect(metric('WeeklyRunUnitsFailed').map((m) => m.value)).toEqual([0]);
  });
});

describe('log lines', () => {
  it('are one JSON line per event: its name as the message, its fields, its level', () => {
    events.emit({ event: 'RequestFailed', status: 500, code: 'internal_error', errorName: 'TimeoutError' });
    events.emit({ event: 'CheckinRejected', reason: 'invalid_phone' });
    const lines = log.lines().filter((line) => !('_aws' in line));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'RequestFailed',
        event: 'RequestFailed',
        status: 500,
        code: 'internal_error',
        errorName: 'TimeoutError',
        service: 'create-checkin',
      }),
      expect.objectContaining({ level: 'INFO', message: 'CheckinRejected', reason: 'invalid_phone' }),
    ]);
  });

  it('follow LOG_LEVEL: a stored check-in is a debug line, left out at info', () => {
    vi.stubEnv('LOG_LEVEL', 'info');
    const quiet = powertoolsEvents(makeLogger(), makeMetrics(makeLogger()));
    quiet.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: false, method: 'web' });
    expect(log.lines().filter((line) => line.event === 'CheckinRecorded')).toEqual([]);
    events.emit({ event: 'CheckinRecorded', checkpointId: 'cp-1', duplicate: false, method: 'web' });
    expect(log.lines().filter((line) => line.event === 'CheckinRecorded')).toHaveLength(1);
  });
});
