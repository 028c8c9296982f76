import { appendFileSync } from 'node:fs';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Events, LogEvent } from '../core/ports.ts';
import { EVENT_LEVELS } from './events.ts';

/**
 * The typed events on Powertools for AWS Lambda: each event is one Logger line (its name as the message, its
 * fields beside it, and what the middlewares add: the Lambda request id, API Gateway's request id as
 * `correlation_id`, the cold-start flag, the X-Ray trace id), and the events an operator counts are EMF metrics
 * too. The event types carry ids, codes and counts only (src/core/ports.ts), so nothing personal reaches a log
 * line or a metric; the Logger never logs an invocation's event (functions/commons/observability.ts).
 */
export function powertoolsEvents(logger: Logger, metrics: Metrics): Events {
  return {
    emit: (event) => {
      logger[EVENT_LEVELS[event.event] ?? 'info'](event.event, { ...event });
      countMetrics(metrics, event);
    },
  };
}

/** The metric names, in the function's namespace (POWERTOOLS_METRICS_NAMESPACE) with its `service` dimension. */
export const METRIC = {
  checkinsStored: 'CheckinsStored',
  checkinsDuplicate: 'CheckinsDuplicate',
  checkinsAssisted: 'CheckinsAssisted',
  checkinsRejected: 'CheckinsRejected',
  weeklyRunTime: 'WeeklyRunTime',
  weeklyRunUnitsFailed: 'WeeklyRunUnitsFailed',
} as const;

/**
 * The metrics of one event. A request's check-in counts wait in `metrics` for the route's logMetrics middleware
 * (one EMF line per request); a refusal carries its reason as a dimension, and a run's figures come from tasks
 * no middleware flushes (the state machine's last task, the local runner), so those go out at once, each on its
 * own EMF line.
 */
export function countMetrics(metrics: Metrics, event: LogEvent): void {
  switch (event.event) {
    case 'CheckinRecorded':
      if (event.duplicate) {
        metrics.addMetric(METRIC.checkinsDuplicate, MetricUnit.Count, 1);
        return;
      }
      metrics.addMetric(METRIC.checkinsStored, MetricUnit.Count, 1);
      if (event.method === 'assisted') metrics.addMetric(METRIC.checkinsAssisted, MetricUnit.Count, 1);
      return;
    case 'CheckinRejected': {
      const single = metrics.singleMetric();
      single.addDimension('reason', event.reason);
      single.addMetric(METRIC.checkinsRejected, MetricUnit.Count, 1);
      return;
    }
    case 'WeeklyReportRunCompleted': {
      const single = metrics.singleMetric();
      single.addMetric(METRIC.weeklyRunTime, MetricUnit.Milliseconds, event.ms);
      single.addMetric(METRIC.weeklyRunUnitsFailed, MetricUnit.Count, event.failed);
      return;
    }
  }
}

/**
 * The Logger of every function: Powertools' JSON lines on stdout (CloudWatch in Lambda), at LOG_LEVEL (or
 * POWERTOOLS_LOG_LEVEL); `VAORA_LOG_FILE` sends them to a file instead, as `npm start` does so that the terminal
 * stays for people.
 */
export function makeLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  // Powertools reads only upper-case levels from the environment; ours are written either way (LOG_LEVEL=warn).
  const level = (env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || '').toUpperCase();
  const options = LOG_LEVELS.includes(level as LogLevel) ? { logLevel: level as LogLevel } : {};
  const file = env.VAORA_LOG_FILE;
  return file ? new FileLogger(file, options) : new Logger(options);
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

class FileLogger extends Logger {
  constructor(
    private readonly file: string,
    options: { logLevel?: LogLevel },
  ) {
    super(options);
  }

  protected override printLog(_level: number, log: LogItem): void {
    appendFileSync(this.file, `${JSON.stringify(log.getAttributes(), this.getJsonReplacer())}\n`);
  }
}

/**
 * Metrics' own notices go to the Logger, except the one every request without a metric would print (most
 * requests count nothing: a staff listing, a report link).
 */
export function makeMetrics(logger: Logger): Metrics {
  const quiet = (message: unknown) =>
    typeof message === 'string' && message.startsWith('No application metrics to publish');
  return new Metrics({
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.info(message),
      warn: (message: string) => (quiet(message) ? undefined : logger.warn(message)),
      error: (message: string) => logger.error(message),
    },
  });
}
