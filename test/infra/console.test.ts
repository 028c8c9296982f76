import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SESSION } from '../../lib/console.ts';
import { CONSOLE_SECURITY_HEADERS } from '../../src/console-headers.ts';
import { defaultChildId, firstProvince, resourcesOfType, synthedProvinces } from './synth.ts';

/** The staff console's origin (lib/console.ts): its bucket, CloudFront, headers, and Cognito managed login. */
describe('the staff console in AWS', () => {
  it('keeps its files in a private, TLS-only bucket that only CloudFront reads, through origin access control', () => {
    const { stack, template, resources } = firstProvince();
    const bucketId = defaultChildId(stack.console.bucket);
    expect(resources[bucketId]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'console-bucket/' },
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    const policies = resourcesOfType(resources, 'AWS::S3::BucketPolicy').filter(
      ([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const reads = statements.filter((s: any) => s.Effect === 'Allow');
    expect(reads.map((s: any) => s.Principal)).toEqual([{ Service: 'cloudfront.amazonaws.com' }]);
    expect(reads[0].Action).toBe('s3:GetObject');
    // ...and only for this distribution.
    expect(JSON.stringify(reads[0].Condition)).toContain(defaultChildId(stack.console.distribution));
  });

  it('answers with the console policy (CSP, HSTS, no framing, no referrer) on every file', () => {
    const { template } = firstProvince();
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.anyValue(),
            Override: true,
          },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
            Override: true,
          },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        },
        CustomHeadersConfig: {
          Items: Match.arrayWith([
            {
              Header: 'Permissions-Policy',
              Value: CONSOLE_SECURITY_HEADERS['permissions-policy'],
              Override: true,
            },
          ]),
        },
      }),
    });
    const csp = JSON.stringify(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // The token endpoint of managed login is the only other origin the console may call.
    expect(csp).toContain('.auth.');
  });

  it("lets the console's origin, and only it, PUT import files to the reports bucket; its policy may reach S3", () => {
    const { stack, resources } = firstProvince();
    const reports = resources[defaultChildId(stack.reports.bucket)]!.Properties;
    // One rule: PUT with the signed content type, from the distribution's own origin (never '*', never GET).
    expect(reports.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT'],
          AllowedHeaders: ['content-type'],
          AllowedOrigins: [
            {
              'Fn::Join': [
                '',
                ['https://', { 'Fn::GetAtt': [defaultChildId(stack.console.distribution), 'DomainName'] }],
              ],
            },
          ],
          MaxAge: 3000,
        },
      ],
    });
    // The console's own bucket is read by CloudFront only: no CORS there.
    expect(resources[defaultChildId(stack.console.bucket)]!.Properties.CorsConfiguration).toBeUndefined();
    // connect-src admits the region's S3 hosts (the presigned PUT's), beside managed login's token endpoint.
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!;
    const csp = JSON.stringify(
      policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toMatch(/connect-src 'self' https:\/\/[^ ]*\.auth\.[^ ]* https:\/\/\*\.s3\./);
  });

  it('serves the files over HTTPS and sends /v1/* to the API uncached, Authorization passed on', () => {
    const { template } = firstProvince();
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: 'v1/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
            // CloudFront's managed CachingDisabled and AllViewerExceptHostHeader policies.
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
            OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
          }),
        ],
        Logging: Match.objectLike({ Prefix: 'console/' }),
        Restrictions: { GeoRestriction: { Locations: ['VN'], RestrictionType: 'whitelist' } },
      }),
    });
  });

  it('signs staff in with managed login: authorization code (PKCE, no secret), a working-day session', () => {
    const { stack, template } = firstProvince();
    expect(CONSOLE_SESSION.toMinutes()).toBe(600);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'vaora-quang-ninh-staff',
      ManagedLoginVersion: 2,
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      ClientId: { Ref: defaultChildId(stack.console.client) },
      UseCognitoProvidedValues: true,
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: defaultChildId(stack.auth.userPool) },
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      RefreshTokenValidity: 600,
      IdTokenValidity: 60,
      TokenValidityUnits: { RefreshToken: 'minutes', IdToken: 'minutes', AccessToken: 'minutes' },
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [defaultChildId(stack.console.distribution), 'DomainName'] },
              '/console/',
            ],
          ],
        },
      ],
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      // Role and unit are authorization data: the console's client may read them, never write them.
      WriteAttributes: ['email'],
    });
    // MFA stays required for every staff account of the pool, admins included.
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
  });

  it('copies the built console and its config.json under console/, and names the URL in the outputs', () => {
    for (const { stack, template } of synthedProvinces().provinces) {
      template.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: { Ref: defaultChildId(stack.console.bucket) },
        DestinationBucketKeyPrefix: 'console/',
        DistributionPaths: ['/console/*'],
      });
      template.hasOutput('ConsoleUrl', {
        Value: {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [defaultChildId(stack.console.distribution), 'DomainName'] },
              '/console/',
            ],
          ],
        },
      });
      template.hasOutput('ConsoleClientId', { Value: { Ref: defaultChildId(stack.console.client) } });
    }
  });
});
