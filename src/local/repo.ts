import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ProvinceConfig, parseProvinces } from '../../lib/provinces.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * A province as cdk.json lists it, read by the same parser the CDK app uses, so the local stack names it, rules
 * it and throttles it as the deployed one. A province cdk.json does not list gets the defaults.
 */
export function provinceSettings(provinceId: string): ProvinceConfig {
  const cdk = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  const listed = parseProvinces(cdk.context?.provinces);
  return (
    listed.find((p) => p.id === provinceId) ?? parseProvinces([{ id: provinceId, name: provinceId }])[0]!
  );
}
