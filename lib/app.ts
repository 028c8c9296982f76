import type { App } from 'aws-cdk-lib';
import { ProvinceStack } from './province-stack.ts';
import { selectProvinces, stackNameFor } from './provinces.ts';

/**
 * One environment-agnostic stack per province of the `provinces` context (or only `-c province=<id>`),
 * named `vaora-<province-id>`. Environment-agnostic: no lookups, deployable to whatever account/region the
 * CLI credentials point at.
 */
export function buildProvinceStacks(app: App): ProvinceStack[] {
  return selectProvinces(app.node).map(
    (province) =>
      new ProvinceStack(app, stackNameFor(province.id), { province, stackName: stackNameFor(province.id) }),
  );
}
