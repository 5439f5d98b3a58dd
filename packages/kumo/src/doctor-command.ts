import { join } from 'node:path';
import type { Command } from 'commander';
import { loadProfile, print } from '@kumo/cli';
import { dataDir } from './config.ts';
import { probeHost } from './doctor/doctor-probe.ts';
import { evaluateHost } from './doctor/doctor-checks.ts';

/** `kumo doctor`: is this machine ready to be a Kumo host? Names the fix for each problem. */
export function addDoctorCommand(program: Command): void {
  program.command('doctor').description('check this host: QEMU, KVM, forwarding, bridges, tools, pool space, server reachability and clock')
    .option('--pool <path...>', 'pool directories to check (default: the data directory)')
    .action(async (o: { pool?: string[] }, c: Command) => {
      const server = c.optsWithGlobals<{ server?: string }>().server ?? loadProfile()?.server;
      const probe = await probeHost({ poolPaths: o.pool ?? [dataDir(), join(dataDir(), 'pools')], serverUrl: server });
      const findings = evaluateHost(probe);
      const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
      for (const f of findings) {
        print(`${mark[f.status]}  ${f.check.padEnd(18)} ${f.detail}`);
        if (f.fix && f.status !== 'ok') print(`      ${''.padEnd(18)} fix: ${f.fix}`);
      }
      const failed = findings.filter((f) => f.status === 'fail').length;
      if (failed > 0) process.exitCode = 1;
    });
}
