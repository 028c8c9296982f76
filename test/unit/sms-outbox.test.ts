import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SmsRefusedError } from '../../src/core/alerts.ts';
import { fixedClock } from '../../src/core/time.ts';
import { LocalSmsOutbox, outboxFile, readOutbox } from '../../src/local/sms-outbox.ts';

/** The local SMS stand-in: a JSONL outbox in the data folder, refusing what End User Messaging SMS refuses. */

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaora-outbox-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const clock = fixedClock('2026-03-02T03:00:00.000Z');

describe('LocalSmsOutbox', () => {
  it('writes each message as a line under <dataDir>/outbox/sms/, read back oldest first', async () => {
    const dir = dataDir();
    const outbox = new LocalSmsOutbox(dir, clock);
    await outbox.send('+84912000001', 'Bạn có thể đã tiếp xúc…');
    await outbox.send('+84912000002', 'Hãy đi xét nghiệm…');
    expect(outboxFile(dir)).toBe(join(dir, 'outbox', 'sms', 'messages.jsonl'));
    expect(readFileSync(outboxFile(dir), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(await readOutbox(dir)).toEqual([
      { at: '2026-03-02T03:00:00.000Z', to: '+84912000001', text: 'Bạn có thể đã tiếp xúc…' },
      { at: '2026-03-02T03:00:00.000Z', to: '+84912000002', text: 'Hãy đi xét nghiệm…' },
    ]);
  });

  it('refuses for good a number not in E.164 form, an empty message and one over 1,600 characters, writing nothing', async () => {
    const dir = dataDir();
    const outbox = new LocalSmsOutbox(dir, clock);
    await expect(outbox.send('0912000001', 'x')).rejects.toBeInstanceOf(SmsRefusedError);
    await expect(outbox.send('+84912000001', '')).rejects.toBeInstanceOf(SmsRefusedError);
    await expect(outbox.send('+84912000001', 'ệ'.repeat(1601))).rejects.toThrow(/1600 characters/);
    // 1,600 characters of Vietnamese (more than 1,600 bytes) are taken, as the service counts characters.
    await outbox.send('+84912000001', 'ệ'.repeat(1600));
    expect((await readOutbox(dir)).map((m) => m.to)).toEqual(['+84912000001']);
  });
});
