import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';

export interface LoginRateLimits {
  /** Login attempts allowed per username within windowMs before further ones get 429 (a success starts afresh). */
  perUser: number;
  /** Login attempts (failed or not) allowed per source address within windowMs. */
  perAddress: number;
  windowMs: number;
}

/** 5 attempts per user (reset by a success) and 30 attempts per address in 5 minutes. */
export const defaultLoginRateLimits: LoginRateLimits = { perUser: 5, perAddress: 30, windowMs: 5 * 60_000 };

/** Timestamps of the attempts in the window, oldest first. */
class Window {
  constructor(private readonly limit: number, private readonly windowMs: number) {}
  private readonly hits = new Map<string, number[]>();
  private static readonly maxKeys = 100_000;

  private live(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.hits.delete(key); else this.hits.set(key, list);
    return list;
  }

  /** Milliseconds until one more attempt is allowed, 0 if it is allowed now. */
  waitMs(key: string, now: number): number {
    const list = this.live(key, now);
    if (list.length < this.limit) return 0;
    return list[list.length - this.limit]! + this.windowMs - now;
  }

  add(key: string, now: number): void {
    if (this.hits.size >= Window.maxKeys) this.hits.clear(); // bounded memory under a spray of names
    this.hits.set(key, [...this.live(key, now), now]);
  }

  clear(key: string): void { this.hits.delete(key); }
}

/**
 * Login throttling, in this server process: per username and per source address. Every attempt
 * counts when it is admitted (so a burst of parallel guesses is limited too, not only the answered
 * ones); a successful login clears the username's count, so a user who mistyped is not punished
 * later. Over
 * either limit, login answers 429 rate_limited with Retry-After before any password is checked.
 * Several servers behind a balancer each keep their own counts (the limit is per process).
 */
export class LoginRateLimiter {
  private readonly users: Window;
  private readonly addresses: Window;

  constructor(private readonly clock: Clock, readonly limits: LoginRateLimits = defaultLoginRateLimits) {
    this.users = new Window(limits.perUser, limits.windowMs);
    this.addresses = new Window(limits.perAddress, limits.windowMs);
  }

  /** Throws rate_limited if this attempt is over a limit; otherwise counts it against the user and the address. */
  admit(username: string, address: string): void {
    const now = this.clock.now();
    const user = this.users.waitMs(username.toLowerCase(), now);
    const addr = this.addresses.waitMs(address, now);
    const wait = Math.max(user, addr);
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      const what = user >= addr ? `user ${username}` : `address ${address}`;
      throw new ApiError('rate_limited', `too many login attempts for ${what}; retry in ${retryAfterSeconds} s`, { retryAfterSeconds, field: user >= addr ? 'username' : 'address' });
    }
    this.users.add(username.toLowerCase(), now);
    this.addresses.add(address, now);
  }

  succeeded(username: string): void { this.users.clear(username.toLowerCase()); }
}
