import { loadConfig } from '../../src/config.ts';
import type { Events, LogEvent } from '../../src/core/ports.ts';
import { systemClock } from '../../src/core/time.ts';

/**
 * Built once per Lambda container, at cold start: configuration (a missing variable fails here, loudly), the
 * clock and the event log. The stores live in ./dynamo.ts and ./s3.ts, so each bundle holds only its clients.
 */
export const config = loadConfig();
export const clock = systemClock;

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;
const EVENT_LEVELS: Partial<Record<LogEvent['event'], Level>> = {
  CheckinRecorded: 'debug',
  CheckinRetried: 'warn',
  RequestFailed: 'error',
};
const threshold = LEVELS[(process.env.LOG_LEVEL?.toLowerCase() as Level) ?? 'info'] ?? LEVELS.info;

/** Logs are typed events, one JSON line each: no free text, no personal data. */
export const events: Events = {
  emit: (event) => {
    const level = EVENT_LEVELS[event.event] ?? 'info';
    if (LEVELS[level] >= threshold) console.log(JSON.stringify({ level, ...event }));
  },
};
