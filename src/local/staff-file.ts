import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { StaffSubscribers, Subscriber } from '../core/ports.ts';

/**
 * A thin stand-in for the staff directory (the console's users, a Cognito user pool in AWS), for the Friday
 * delivery only: `<dataDir>/staff.json`, a list of staff with their e-mail, role, unit and opt-out flag, read on
 * every call so an edit applies at once. Tests and developers write it; the real directory replaces it.
 *
 * [{ "email": "lan@haiha.example", "name": "Nguyễn Thị Lan", "role": "unit-manager", "unitId": "hai-ha",
 *    "optOut": false }]
 */
export function staffFile(dataDir: string): string {
  return join(dataDir, 'staff.json');
}

const StaffEntry = z.object({
  email: z.email(),
  name: z.string().min(1).optional(),
  role: z.string().optional(),
  unitId: z.string().min(1),
  /** Asked not to get the weekly report by e-mail. */
  optOut: z.boolean().optional(),
  /** A disabled account gets nothing. */
  disabled: z.boolean().optional(),
});
export type StaffEntry = z.infer<typeof StaffEntry>;

export class LocalStaffFile implements StaffSubscribers {
  constructor(private readonly dataDir: string) {}

  async subscribersOf(unitId: string): Promise<Subscriber[]> {
    let text: string;
    try {
      text = await readFile(staffFile(this.dataDir), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // A malformed file fails the delivery (retried, then dead-lettered), never sends to a guess.
    const staff = z.array(StaffEntry).parse(JSON.parse(text));
    return staff
      .filter((s) => s.unitId === unitId && !s.optOut && !s.disabled)
      .map((s) => (s.name ? { email: s.email, name: s.name } : { email: s.email }));
  }
}
