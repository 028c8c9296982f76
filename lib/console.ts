import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  GeoRestriction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  CfnManagedLoginBranding,
  ClientAttributes,
  ManagedLoginVersion,
  OAuthScope,
  type UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_SECURITY_HEADERS, consolePolicy } from '../src/console-headers.ts';
import { ROLE_ATTRIBUTE, UNIT_ATTRIBUTE } from './auth.ts';
import { nagResourceName } from './compliance.ts';
import { REPO_ROOT } from './vaora-function.ts';

/** Where the console lives on its origin, as on the local gateway (src/local/console.ts). */
export const CONSOLE_PREFIX = 'console/';
/** A working day: the refresh token outlives the hour-long ID token until the evening, then sign in again. */
export const CONSOLE_SESSION = Duration.hours(10);
const CONSOLE_SOURCE = join(REPO_ROOT, 'console');

/** `/` and `/console` go to `/console/`, and a folder's address serves its index.html, as the local gateway does. */
const REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri === '/' || request.uri === '/console') {
    return { statusCode: 308, statusDescription: 'Permanent Redirect', headers: { location: { value: '/console/' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`;

export interface StaffConsoleProps {
  provinceId: string;
  userPool: UserPool;
  httpApi: HttpApi;
  /** The reports bucket's access-log bucket: the console bucket's server access logs go there too. */
  accessLogs: Bucket;
}

/**
 * The staff console on its own origin: the vite build (console/) in a private bucket behind CloudFront with
 * origin access control and a response-headers policy (CSP, HSTS, no framing), the API on the same origin under
 * `/v1/*` (so the console's requests are same-origin: no CORS, `connect-src 'self'`), and Cognito managed login
 * with an app client for the authorization-code flow with PKCE (no secret: a browser cannot keep one).
 */
export class StaffConsole extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  /** `https://<distribution>/console/` */
  readonly url: string;
  /** `https://<distribution>`: what the import uploads' bucket lets PUT (CORS). */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: StaffConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'console-bucket/',
      // The console is rebuilt from the repository on every deploy: nothing in it is a record to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    // CloudFront standard logs need a bucket with ACLs (the log delivery writes with one).
    const cdnLogs = new Bucket(this, 'CdnLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'console-cdn-logs/',
      lifecycleRules: [{ id: 'expire-cdn-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.domain = props.userPool.addDomain('ConsoleLogin', {
      cognitoDomain: { domainPrefix: `vaora-${props.provinceId}-staff` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const loginOrigin = this.domain.baseUrl();
    // Import files go straight to the reports bucket (a presigned PUT, virtual-hosted style). Not the bucket's
    // own name: its CORS names this distribution's origin, so the policy naming the bucket would make the two
    // depend on each other (a CloudFormation cycle); the region's S3 hosts instead, and the bucket's CORS still
    // admits this origin only.
    const uploadOrigins = `https://*.s3.${stack.region}.${stack.urlSuffix}`;

    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'vaora staff console: CSP, HSTS, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consolePolicy([loginOrigin, uploadOrigins]),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(63072000),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: 'Cross-Origin-Opener-Policy',
            value: CONSOLE_SECURITY_HEADERS['cross-origin-opener-policy'],
            override: true,
          },
          {
            header: 'Permissions-Policy',
            value: CONSOLE_SECURITY_HEADERS['permissions-policy'],
            override: true,
          },
        ],
      },
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `vaora ${props.provinceId} staff console`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_200,
      // Province staff work in Viet Nam; the API itself stays reachable directly for the QR pages and apps.
      geoRestriction: GeoRestriction.allowlist('VN'),
      enableLogging: true,
      logBucket: cdnLogs,
      logFilePrefix: 'console/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'Rewrite', {
              code: FunctionCode.fromInline(REWRITE),
              runtime: FunctionRuntime.JS_2_0,
              comment: 'console folder index and /console/ redirect',
            }),
          },
        ],
      },
      additionalBehaviors: {
        // The API on the console's origin: never cached, every header but Host passed on (Authorization too).
        'v1/*': {
          origin: new HttpOrigin(apiDomain),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/${CONSOLE_PREFIX}`;
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        "The distribution answers on its *.cloudfront.net name with CloudFront's default certificate, whose " +
        'minimum protocol CloudFront fixes; a province that adds its own domain and ACM certificate sets ' +
        'TLSv1.2_2021 there.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'A WAF web ACL for CloudFront must live in us-east-1, and each province stack is deployed in its own ' +
        'region; the console serves static files, and the API behind /v1/* keeps its stage throttling and JWT ' +
        'authorizer.',
    });

    this.client = props.userPool.addClient('ConsoleClient', {
      // Public client: authorization code with PKCE (the console sends an S256 code_challenge), no secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: CONSOLE_SESSION,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ROLE_ATTRIBUTE, UNIT_ATTRIBUTE),
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    new CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: props.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PREFIX,
      sources: [
        consoleBuild(),
        Source.jsonData('config.json', {
          apiBase: '',
          signIn: {
            kind: 'cognito',
            domain: loginOrigin,
            clientId: this.client.userPoolClientId,
            scopes: ['openid', 'email', 'profile'],
          },
        }),
      ],
      // Revalidated on every load (ETag): a new deploy shows at once; hashed asset names never collide.
      cacheControl: [CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: [`/${CONSOLE_PREFIX}*`],
      memoryLimit: 512,
    });
    acknowledgeDeployment(deployment, this.bucket);
  }
}

/** The vite build as an asset, built locally when the stack is bundled (no Docker), hashed from its sources. */
function consoleBuild() {
  return Source.asset(CONSOLE_SOURCE, {
    exclude: ['dist', 'node_modules'],
    bundling: {
      // Never pulled: the local build below always answers (Node and vite are what `npm ci` installs).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      local: {
        tryBundle(outputDir: string) {
          execFileSync(
            process.execPath,
            [
              join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
              'build',
              '--config',
              join(CONSOLE_SOURCE, 'vite.config.ts'),
              '--outDir',
              outputDir,
              '--emptyOutDir',
              '--logLevel',
              'warn',
            ],
            { stdio: 'inherit' },
          );
          return true;
        },
      },
    },
  });
}

/**
 * BucketDeployment's own Lambda (a CDK singleton): its role, policy and runtime are CDK's, not ours, and it runs
 * only while a deployment copies the console in. Its findings are acknowledged on that role, one by one.
 */
function acknowledgeDeployment(deployment: BucketDeployment, bucket: Bucket): void {
  const role = deployment.handlerRole;
  const reasons: [string, string][] = [
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's BucketDeployment function logs with AWSLambdaBasicExecutionRole; CDK makes the role, used only at deploy.",
    ],
    ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map(
      (action): [string, string] => [
        `AwsSolutions-IAM5[Action::${action}]`,
        `CDK's BucketDeployment (grantRead of the asset, grantReadWrite of the console bucket) asks ${action}: ` +
          'it syncs a whole folder (copy, then delete what the new build no longer has), only at deploy time.',
      ],
    ),
    [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      "The CDK bootstrap asset bucket, where the console's zip is staged: BucketDeployment reads it from there.",
    ],
    [
      `AwsSolutions-IAM5[Resource::${nagResourceName(bucket, bucket.arnForObjects('*'))}]`,
      'The console bucket holds nothing but the console: the deployment rewrites all of it.',
    ],
    [
      'AwsSolutions-IAM5[Resource::*]',
      'cloudfront:CreateInvalidation/GetInvalidation after the copy: CDK grants it on every distribution.',
    ],
  ];
  for (const [id, reason] of reasons) Validations.of(role).acknowledge({ id, reason });
  const fn = role.node.scope;
  if (fn) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: "BucketDeployment's function runtime is chosen by aws-cdk-lib and moves with it (pinned here).",
    });
  }
}
