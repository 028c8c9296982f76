import { appendFileSync } from 'node:fs';
import type { Events, LogEvent } from '../core/ports.ts';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;
/** Each event's level; `info` when not listed. A check-in stored is routine: debug, not one line per scan. */
export const EVENT_LEVELS: Partial<Record<LogEvent['event'], Level>> = {
  CheckinRecorded: 'debug',
  CheckinRetried: 'warn',
  RequestRefused: 'warn',
  RequestFailed: 'error',
  PhoneVaultFailed: 'error',
};

/**
 * Logs are typed events, one JSON line each: no free text, no personal data. The functions log through
 * Powertools (./powertools.ts); this plain form is for what runs outside a function: the local gateway's own
 * refusals, the local counting loop, the CLI. `VAORA_LOG_FILE` sends them to a file instead: `npm start` uses it
 * so the terminal stays for people and the log stays for logs.
 */
export function jsonEvents(env: NodeJS.ProcessEnv = process.env): Events {
  const threshold = LEVELS[env.LOG_LEVEL?.toLowerCase() as Level] ?? LEVELS.info;
  const file = env.VAORA_LOG_FILE;
  return {
    emit: (event) => {
      const level = EVENT_LEVELS[event.event] ?? 'info';
      if (LEVELS[level] < threshold) return;
      const line = JSON.stringify({ level, time: new Date().toISOString(), ...event });
      if (file) appendFileSync(file, `${line}\n`);
      else console.log(line);
    },
  };
}
