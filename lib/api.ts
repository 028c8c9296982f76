import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, ROUTES, type RouteSpec } from '../src/routes.ts';

/**
 * Access logs are the security record of the API (who called what, from where). A source IP beside a check-in's
 * time can point at a person, so they live no longer than the raw check-ins do (28 days; CloudWatch's next step).
 */
export const ACCESS_LOG_RETENTION = RetentionDays.ONE_MONTH;

export interface ThrottleSettings {
  rateLimit: number;
  burstLimit: number;
}

/** One JSON line per request, HTTP API `$context` variables (the request id is mandatory). */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    staffSub: '$context.authorizer.claims.sub',
  }),
);

/**
 * The province's HTTP API: a `$default` stage with stage-wide throttling and JSON access logs, created
 * before the functions so they can be given its URL. `addRoutes` then adds one route per ROUTES entry.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** `https://<id>.execute-api.<region>.amazonaws.com`, no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: { provinceId: string; throttle: ThrottleSettings }) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `vaora-${props.provinceId}`,
      description: `vaora check-in API, province ${props.provinceId}`,
      // Our own $default stage below: the built-in one cannot be given throttling or access logs.
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: ACCESS_LOG_RETENTION });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    this.url = this.httpApi.apiEndpoint;
  }

  /**
   * One route per src/routes.ts ROUTES entry, integrated with the Lambda of its `fn`: `staff` routes behind
   * the JWT authorizer, `gate` routes behind the gate authorizer (functions/authorize-gate.ts, a Lambda
   * authorizer), `public` routes without one (acknowledged for cdk-nag APIG4 on that route only).
   */
  addRoutes(functions: Readonly<Record<FunctionName, IFunction>>, staffAuthorizer: IHttpRouteAuthorizer) {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (fn: FunctionName) => {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn}-integration`, functions[fn]);
        integrations.set(fn, integration);
      }
      return integration;
    };

    // A gate link's token, checked by our function with the gate key's public key. Its answer is cached per token
    // for five minutes (a rush of scans costs one check); the function checks the expiry again on each request.
    const gateAuthorizer = new HttpLambdaAuthorizer('GateAuthorizer', functions['authorize-gate'], {
      authorizerName: 'GateToken',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.minutes(5),
    });
    const authorizerOf = (access: RouteSpec['access']): IHttpRouteAuthorizer =>
      access === 'staff' ? staffAuthorizer : access === 'gate' ? gateAuthorizer : new HttpNoneAuthorizer();

    return ROUTES.map((spec) => {
      const route = new HttpRoute(this, routeConstructId(spec), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(spec.path, HttpMethod[spec.method]),
        integration: integrationOf(spec.fn),
        authorizer: authorizerOf(spec.access),
      });
      if (spec.access === 'public') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: PUBLIC_ROUTE_REASONS[spec.fn] ?? missingReason(spec),
        });
      }
      if (spec.throttle) {
        // HttpStage has no route settings of its own: set them on the stage's CloudFormation resource, after
        // the route exists (the stage names it by its key).
        const stage = this.stage.node.defaultChild as CfnStage;
        const key = `${spec.method} ${spec.path}`;
        stage.routeSettings = {
          ...(stage.routeSettings as Record<string, unknown> | undefined),
          // A JSON map in CloudFormation's own spelling (CDK passes it through as it is).
          [key]: {
            ThrottlingRateLimit: spec.throttle.rateLimit,
            ThrottlingBurstLimit: spec.throttle.burstLimit,
          },
        };
        this.stage.node.addDependency(route);
      }
      return route;
    });
  }
}

/** Why a route is open to anyone. A new public route needs an entry here (synth fails otherwise). */
const PUBLIC_ROUTE_REASONS: Partial<Record<FunctionName, string>> = {
  'get-openapi':
    'The OpenAPI document describes the public contract (docs/API.md) for any client: it holds no data, reads no ' +
    'store and is the same for every caller; the stage is throttled.',
  'get-checkpoint-by-code':
    'Citizens scanning a checkpoint QR code are anonymous: the printed code is the only credential. The ' +
    'response is the public checkpoint name and location; the stage is throttled.',
  'create-checkin':
    'Citizens check in anonymously at a gate (no account by design). The request carries a client-generated ' +
    'id, so a retry stores one check-in; the stage is throttled.',
  'create-checkin-batch':
    'Offline phones and gate tablets upload the check-ins they kept, anonymously like single check-ins: each ' +
    'item carries its client id, so a replayed batch stores nothing twice; at most 100 items; the stage is ' +
    'throttled.',
  'create-card':
    'A person without a smartphone prints a personal QR card for their phone number, anonymously like a ' +
    'check-in (whoever may type a number at a gate may print its card). The card carries a random code, not ' +
    'the number; one live card per phone, so repeating the request prints the same code; the route is throttled ' +
    'to 2 a second (burst 10), below the stage.',
  'checkin-page':
    'The URL printed in every checkpoint QR code (and, without a code, the page where a person types the ' +
    'code printed on the poster): a phone camera opens it with no app and no account. The same function serves ' +
    "the gate staff's page /g/{code} (its staff token stays in the browser and goes only to the staff routes) " +
    'and the service worker /sw.js that lets these pages open offline. It serves static HTML and script and ' +
    'touches no data store (the function has no bindings); the stage is throttled.',
};

function missingReason(spec: RouteSpec): never {
  throw new Error(
    `Public route ${spec.method} ${spec.path} has no reason in PUBLIC_ROUTE_REASONS (lib/api.ts)`,
  );
}

/** `GET /v1/checkpoints/{id}/qr.svg` → `GET-v1-checkpoints-id-qr.svg` (construct ids cannot contain `/`). */
export const routeConstructId = (spec: RouteSpec) =>
  `${spec.method}-${spec.path.replace(/[{}]/g, '').split('/').filter(Boolean).join('-')}`;
