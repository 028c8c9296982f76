import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoAlertSwitch } from '../src/adapters/dynamo-alerts.ts';
import { resumeAlerts } from '../src/core/alerts.ts';
import { makeAlertQueue } from './commons/alert-sending.ts';
import { deps } from './commons/alerts.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const switchDeps = {
  ...deps,
  queue: makeAlertQueue(),
  switch: new DynamoAlertSwitch(makeDynamoClient(config), config.tracingTable),
  provinceId: config.provinceId,
};

/** The kill switch off (an admin of the province): every alert still sending is enqueued again. Audited. */
export const handler = staffRoute(events, {}, async ({ principal }) => ({
  status: 200,
  json: await resumeAlerts(switchDeps, principal),
}));
