/**
 * API Gateway's throttling, played locally: a token bucket per limit (the stage's, and a route's own where
 * src/routes.ts gives one), refilled at `rateLimit` tokens a second up to `burstLimit`. A request takes one
 * token from its route's bucket and one from the stage's; when either is empty it is answered 429, as API
 * Gateway answers, and reaches no handler.
 */
export interface Limit {
  rateLimit: number;
  burstLimit: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: Limit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burstLimit;
    this.last = now();
  }

  /** Takes a token if one is there. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives back a token taken by a request that another limit then refused (API Gateway counts it once). */
  giveBack(): void {
    this.tokens = Math.min(this.limit.burstLimit, this.tokens + 1);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.limit.burstLimit,
      this.tokens + ((now - this.last) / 1000) * this.limit.rateLimit,
    );
    this.last = now;
  }
}

export class Throttle {
  private readonly stage: TokenBucket;
  private readonly routes = new Map<string, TokenBucket>();

  constructor(
    stage: Limit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.stage = new TokenBucket(stage, now);
  }

  /** Whether a request to `routeKey` (with its own limit, if any) may go on now. */
  admit(routeKey: string, own: Limit | undefined): boolean {
    let bucket: TokenBucket | undefined;
    if (own) {
      bucket = this.routes.get(routeKey);
      if (!bucket) {
        bucket = new TokenBucket(own, this.now);
        this.routes.set(routeKey, bucket);
      }
      if (!bucket.take()) return false;
    }
    if (this.stage.take()) return true;
    bucket?.giveBack();
    return false;
  }
}
