import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A province's name as cdk.json lists it, so the local stack and the deployed one call it the same. */
export function provinceName(provinceId: string): string {
  const cdk = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  const listed = (cdk.context?.provinces ?? []) as { id: string; name: string }[];
  return listed.find((p) => p.id === provinceId)?.name ?? provinceId;
}
