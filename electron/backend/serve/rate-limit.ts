/**
 * A token bucket per client address: each holds up to `burst` tokens and
 * gains `perMinute` of them a minute; a request takes one. A report sender
 * posts one report per policy domain a day, in bursts when its day ends, so
 * a minute's worth may come at once; a client that keeps going past that is
 * flooding the endpoint (RFC 8460 §7), and is told when to come back.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number = perMinute,
    /** Addresses remembered at once: a flood from many addresses costs bounded memory. */
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes a token for a client: 0 when it may go on, else the whole seconds until it may try again. */
  take(client: string): number {
    const now = this.now();
    const bucket = this.buckets.get(client);
    const tokens =
      bucket === undefined ? this.burst : Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    if (tokens < 1) {
      if (bucket) {
        bucket.tokens = tokens;
        bucket.at = now;
      }
      return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
    }
    // Re-inserted, so that the map's order is the order of last use.
    this.buckets.delete(client);
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxClients) this.forget(now);
    return 0;
  }

  /** Drops buckets that are full again (as good as new), then, if still too many, the least recently used. */
  private forget(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(client);
    }
    for (const client of this.buckets.keys()) {
      if (this.buckets.size <= this.maxClients) break;
      this.buckets.delete(client);
    }
  }

  get clients(): number {
    return this.buckets.size;
  }

  get ratePerMinute(): number {
    return this.perMinute;
  }
}
