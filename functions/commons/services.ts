import { loadConfig } from '../../src/config.ts';
import { systemClock } from '../../src/core/time.ts';

/**
 * Built once per Lambda container, at cold start: configuration (a missing variable fails here, loudly), the
 * clock and the event log. The stores live in ./dynamo.ts and ./s3.ts, so each bundle holds only its clients.
 */
export const config = loadConfig();
export const clock = systemClock;

/** Logs are typed events, one JSON line each (Powertools' Logger, ./observability.ts): no free text, no personal data. */
export { events } from './observability.ts';
