import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { buildProvinceStacks } from '../lib/app.ts';
import { addComplianceChecks } from '../lib/compliance.ts';

const app = new App();
// `-c skipBundling=true`: synth templates without running esbuild (the CLI refuses `-c aws:cdk:...` keys).
if (String(app.node.tryGetContext('skipBundling')) === 'true') app.node.setContext(BUNDLING_STACKS, []);
buildProvinceStacks(app);
addComplianceChecks(app);
