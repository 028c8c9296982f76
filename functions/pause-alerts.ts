import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoAlertSwitch } from '../src/adapters/dynamo-alerts.ts';
import { pauseAlerts } from '../src/core/alerts.ts';
import { deps } from './commons/alerts.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const switchDeps = {
  ...deps,
  switch: new DynamoAlertSwitch(makeDynamoClient(config), config.tracingTable),
  provinceId: config.provinceId,
};

/** The kill switch (an admin of the province): no alert sends another message until resumed. Audited. */
export const handler = staffRoute(events, {}, async ({ principal }) => ({
  status: 200,
  json: await pauseAlerts(switchDeps, principal),
}));
