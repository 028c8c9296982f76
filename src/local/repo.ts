import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A province as cdk.json lists it, so the local stack and the deployed one name it and rule it the same. */
export function provinceSettings(provinceId: string): { name: string; namingRule?: string } {
  const cdk = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  const listed = (cdk.context?.provinces ?? []) as { id: string; name: string; namingRule?: string }[];
  return listed.find((p) => p.id === provinceId) ?? { name: provinceId };
}
