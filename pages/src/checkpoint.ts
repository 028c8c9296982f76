import type { CheckpointAnswer } from './api.ts';
import { load, save } from './dom.ts';

/** The device's copy of a checkpoint, by its code: both pages show the name from it before the network answers. */
const key = (code: string) => `vaora.cp.${code}`;

export const knownCheckpoint = (code: string) => load<CheckpointAnswer | null>(key(code), null);

/** Keeps what the API said of a code, or forgets the code (`null`: no checkpoint has it). */
export function rememberCheckpoint(code: string, cp: CheckpointAnswer | null): void {
  save(
    key(code),
    cp && { id: cp.id, name: cp.name, unitId: cp.unitId, unitName: cp.unitName, active: cp.active },
  );
}
