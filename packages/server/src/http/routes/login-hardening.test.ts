import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

describe('login hardening', () => {
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00.000Z'));
  let server: KumoServer; let close: () => Promise<void>;
  before(async () => {
    ({ server, close } = await inProcessServer({ clock, auth: { loginRateLimits: { perUser: 3, perAddress: 10, windowMs: 60_000 } } }));
    const admin = await server.ctx.auth.login('admin', 'test-password', 'setup');
    const r = await server.app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { authorization: `Bearer ${admin.token}` }, payload: { name: 'acme', username: 'alice', password: 'alice-password' } });
    assert.equal(r.statusCode, 201);
  });
  after(async () => { await close(); });

  const login = (username: string, password: string, ip = '10.0.0.1') => server.app.inject({
    method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip,
  });

  test('per user: the 4th attempt after 3 wrong passwords gets 429 with Retry-After, even with the right one; the window ends it', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login('alice', 'wrong', `10.1.0.${i}`)).statusCode, 401);
    const limited = await login('alice', 'alice-password', '10.1.0.9');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.equal(limited.json().error.details.field, 'username');
    assert.equal(limited.headers['retry-after'], '60');
    assert.match(limited.json().error.message, /user alice/);
    clock.advance(30_000);
    assert.equal((await login('alice', 'alice-password', '10.1.0.9')).headers['retry-after'], '30', 'Retry-After counts down with the clock');
    clock.advance(30_001);
    assert.equal((await login('alice', 'alice-password', '10.1.0.9')).statusCode, 200, 'after the window the right password works');
    // A success clears the user's failures: three more wrong ones are allowed again.
    for (let i = 0; i < 3; i++) assert.equal((await login('alice', 'wrong', '10.1.0.10')).statusCode, 401);
    clock.advance(61_000);
  });

  test('per address: the 11th attempt from one address in the window gets 429 whatever the usernames', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await login(`nobody${i}`, 'x', '10.2.0.1')).statusCode, 401);
    const limited = await login('admin', 'test-password', '10.2.0.1');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.details.field, 'address');
    assert.equal((await login('admin', 'test-password', '10.2.0.2')).statusCode, 200, 'another address is not limited');
    clock.advance(61_000);
  });

  test('unknown users cost a password hash like known ones (no user enumeration by timing)', async () => {
    const hasher = server.ctx.auth.hasher;
    const calls: string[] = [];
    const verify = hasher.verify.bind(hasher);
    hasher.verify = async (pw, stored) => { calls.push(stored.startsWith('scrypt$') ? 'scrypt' : 'other'); return verify(pw, stored); };
    try {
      await login('alice', 'wrong', '10.3.0.1');
      await login('no-such-user', 'wrong', '10.3.0.2');
      assert.deepEqual(calls, ['scrypt', 'scrypt'], 'both a known and an unknown name run one scrypt verification');
      // And the wall-clock times compare (medians of interleaved runs, generous bounds: the machine is shared).
      const known: number[] = []; const unknown: number[] = [];
      for (let i = 0; i < 6; i++) {
        clock.advance(61_000);
        let t = performance.now(); await login('alice', `wrong${i}`, `10.3.1.${i}`); known.push(performance.now() - t);
        t = performance.now(); await login(`ghost${i}`, `wrong${i}`, `10.3.2.${i}`); unknown.push(performance.now() - t);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const ratio = median(unknown) / median(known);
      assert.ok(ratio > 0.5 && ratio < 2, `unknown/known login time ratio ${ratio.toFixed(2)} (known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms)`);
    } finally {
      hasher.verify = verify;
    }
    clock.advance(61_000);
  });

  test('regression: password hashing blocked the event loop (scryptSync): 8 parallel wrong logins leave it responsive', async () => {
    const t0 = performance.now();
    await server.ctx.auth.hasher.verifyDummy('warm-up');
    const oneHashMs = performance.now() - t0;
    // A 2 ms ticker: every gap beyond 15 ms is time the loop could not run (a blocked /health request).
    let stalledMs = 0; let worstGapMs = 0; let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now(); const gap = now - last; last = now;
      worstGapMs = Math.max(worstGapMs, gap);
      if (gap > 15) stalledMs += gap;
    }, 2);
    const start = performance.now();
    // Eight names, eight addresses: no limit applies, each login runs a full scrypt (dummy for unknown names).
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => login(`guess${i}`, `wrong-${i}`, `10.4.0.${i}`)));
    const totalMs = performance.now() - start;
    clearInterval(ticker);
    const endGap = performance.now() - last; // a loop blocked to the end never ran the ticker at all
    worstGapMs = Math.max(worstGapMs, endGap);
    if (endGap > 15) stalledMs += endGap;
    assert.deepEqual(results.map((r) => r.statusCode), Array(8).fill(401));
    // With scryptSync the loop stood still for all eight hashes (~8 x oneHashMs); now it only waits for them.
    assert.ok(stalledMs < oneHashMs * 4, `event loop stalled ${stalledMs.toFixed(0)} ms in total, worst gap ${worstGapMs.toFixed(0)} ms (one hash ${oneHashMs.toFixed(0)} ms, 8 logins ${totalMs.toFixed(0)} ms)`);
    clock.advance(61_000);
  });
});
