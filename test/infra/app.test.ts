import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../src/config.ts';
import { buildApp, CDK_JSON_CONTEXT, functionId } from './synth.ts';

/** How the app reads cdk.json and `-c` context. Builds construct trees; one synth for the override case. */

const SYNTH_TIMEOUT = 300_000;

describe('the CDK app', () => {
  it('builds one stack per province of cdk.json, named vaora-<province-id>', () => {
    const { stacks } = buildApp();
    const ids = (CDK_JSON_CONTEXT.provinces as { id: string }[]).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['quang-ninh', 'vinh-phuc']));
    expect(stacks.map((s) => s.stackName)).toEqual(ids.map((id) => `vaora-${id}`));
    expect(stacks.map((s) => s.artifactId)).toEqual(ids.map((id) => `vaora-${id}`));
    expect(stacks.map((s) => s.province.id)).toEqual(ids);
  });

  it('keeps the stacks environment-agnostic (no account, no region, no lookups)', () => {
    for (const stack of buildApp().stacks) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    }
  });

  it('builds only the province named by -c province=<id>', () => {
    const { stacks } = buildApp({ province: 'vinh-phuc' });
    expect(stacks.map((s) => s.stackName)).toEqual(['vaora-vinh-phuc']);
  });

  it('rejects an unknown -c province=<id>, naming the known ones', () => {
    expect(() => buildApp({ province: 'ha-noi' })).toThrow(
      /Unknown province "ha-noi".*Known provinces in cdk.json: quang-ninh, vinh-phuc/,
    );
  });

  it('rejects invalid province entries before building anything', () => {
    expect(() => buildApp({ provinces: [] })).toThrow(/non-empty list/);
    expect(() => buildApp({ provinces: [{ id: 'Quang Ninh', name: 'x' }] })).toThrow(/provinces\[0\].*id/);
    expect(() =>
      buildApp({
        provinces: [
          { id: 'a', name: 'A' },
          { id: 'a', name: 'A again' },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => buildApp({ provinces: [{ id: 'a', name: 'A', retentionDay: 3 }] })).toThrow(/retentionDay/);
  });

  it('rejects a naming rule without {placeName} or with a field the rule does not know', () => {
    expect(() => buildApp({ provinces: [{ id: 'a', name: 'A', namingRule: '{kind} - {address}' }] })).toThrow(
      /provinces\[0\].*namingRule/,
    );
    expect(() =>
      buildApp({ provinces: [{ id: 'a', name: 'A', namingRule: '{placeName} {owner}' }] }),
    ).toThrow(/namingRule/);
  });

  it('fails the synth when the runtime config parser would refuse a province value', () => {
    expect(() => buildApp({ provinces: [{ id: 'a', name: 'A', retentionDays: 400 }] })).toThrow(
      /Province "a".*RETENTION_DAYS/,
    );
    expect(() => buildApp({ provinces: [{ id: 'a', name: 'A', reportLinkTtlSeconds: 8 * 86_400 }] })).toThrow(
      /REPORT_LINK_TTL_SECONDS/,
    );
  });

  it(
    'takes PUBLIC_BASE_URL, retention, link lifetime, naming rule and throttling from the province context',
    () => {
      const { stacks } = buildApp({
        provinces: [
          {
            id: 'quang-ninh',
            name: 'Quảng Ninh',
            publicBaseUrl: 'https://checkin.quangninh.example',
            retentionDays: 14,
            reportLinkTtlSeconds: 300,
            namingRule: '{unit} - {kind} {placeName}',
            throttle: { rateLimit: 20, burstLimit: 40 },
          },
        ],
      });
      const stack = stacks[0]!;
      const template = Template.fromStack(stack);
      const vars =
        template.toJSON().Resources[functionId(stack, 'create-checkpoint')].Properties.Environment.Variables;
      expect(vars[ENV.publicBaseUrl]).toBe('https://checkin.quangninh.example');
      expect(vars[ENV.retentionDays]).toBe('14');
      expect(vars[ENV.reportLinkTtlSeconds]).toBe('300');
      expect(vars[ENV.namingRule]).toBe('{unit} - {kind} {placeName}');
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      });
    },
    SYNTH_TIMEOUT,
  );
});
