import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { bindingEnvironment, grantBindings } from '../../lib/bindings.ts';
import { PhoneKeys } from '../../lib/phone-keys.ts';
import { Tables } from '../../lib/tables.ts';
import { PHONE_ENV } from '../../src/config.ts';
import type { Binding } from '../../src/routes.ts';

/**
 * The two phone bindings on a probe role: `phones:seal` (the check-in path) and `phones:open`, which no function
 * holds yet (tracing exports and alerts will), so the province stack's own assertions never see it.
 */
function probe(bindings: Binding[]) {
  const stack = new Stack(new App(), 'Probe');
  const phones = new PhoneKeys(stack, 'PhoneKeys', { provinceId: 'quang-ninh' });
  const imports = { queue: new Queue(stack, 'Imports') };
  const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  grantBindings(role, bindings, {
    provinceId: 'quang-ninh',
    tables: new Tables(stack, 'Tables'),
    reports: new Bucket(stack, 'Reports'),
    phones,
    imports,
  });
  const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
  return {
    phones,
    imports,
    key: resolve(phones.key.keyArn),
    secret: resolve(phones.hashSecret.secretArn),
    statements: statements.map((s: Record<string, unknown>) => ({
      ...s,
      Resource: JSON.stringify(s.Resource),
    })),
  };
}

const PHONE_CONTEXT = { StringEquals: { 'kms:EncryptionContext:purpose': 'phone-number' } };

describe('phone bindings', () => {
  it('phones:seal: data keys of the phone key for phone numbers, the hash secret, and no Decrypt', () => {
    const { statements, key, secret } = probe(['phones:seal']);
    expect(statements).toEqual([
      {
        Sid: 'PhoneSeal',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: key,
        Condition: PHONE_CONTEXT,
      },
      { Sid: 'PhoneHashSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret },
    ]);
  });

  it('phones:open: Decrypt on the phone key for phone numbers, and the hash secret', () => {
    const { statements, key, secret } = probe(['phones:open']);
    expect(statements).toEqual([
      { Sid: 'PhoneOpen', Effect: 'Allow', Action: 'kms:Decrypt', Resource: key, Condition: PHONE_CONTEXT },
      { Sid: 'PhoneHashSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret },
    ]);
  });

  it('bring the phone vault’s variables with them, and no other binding does', () => {
    const targets = probe([]);
    for (const binding of ['phones:seal', 'phones:open'] as const) {
      expect(Object.keys(bindingEnvironment([binding], targets)).sort()).toEqual(
        [PHONE_ENV.phoneHashSecretArn, PHONE_ENV.phoneKeyId].sort(),
      );
    }
    expect(bindingEnvironment(['registry:get', 'checkins:write', 'cards:issue'], targets)).toEqual({});
  });
});
