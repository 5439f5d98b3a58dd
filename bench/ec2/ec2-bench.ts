/**
 * bench/ec2: the EC2-compatible API driven by @aws-sdk/client-ec2 over loopback.
 *  1. DescribeInstances of 10,000 instances of one account, every page (1,000 per page, the SDK's
 *     paginator), beside the same walk over the REST API (GET /api/v1/instances?limit=1000).
 *  2. RunInstances MaxCount=100 on simulated hosts until DescribeInstances shows all 100 running,
 *     beside 100 REST creates until the REST list shows them running.
 * Prints JSON (medians of --runs walks). Targets (issue 13): ≤ 2 s and ≤ 10 s.
 *
 *   node --import tsx bench/ec2/ec2-bench.ts [--instances 10000] [--runs 3] [--launch 100]
 */
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, paginateDescribeInstances, DescribeImagesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { newId } from '@kumo/core';
import type { InstanceRow } from '@kumo/db';
import type { Ec2CredentialSecret } from '@kumo/api';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startTestCloud } from '../../packages/e2e/src/testing/test-cloud.ts';
import { startMachineReport } from '../machine/machine-report.ts';
import { stringFlag, wholeNumberFlag } from '../bench-flags.ts';

const machineReport = startMachineReport();

const total = wholeNumberFlag('instances') ?? 10_000;
const runs = wholeNumberFlag('runs') ?? 3;
const launch = wholeNumberFlag('launch') ?? 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (t0: number) => Math.round(performance.now() - t0);

async function describeWalk(): Promise<Record<string, unknown>> {
  const cloud = await startTestCloud({ hosts: 0, logLevel: 'error' });
  try {
    const { repos } = cloud.server.ctx;
    const accountId = (await repos.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
    const versionId = (await repos.db.selectFrom('imageVersions').select('id').executeTakeFirstOrThrow()).id;
    const now = new Date().toISOString();
    for (let i = 0; i < total; i += 1000) {
      const rows: InstanceRow[] = [];
      for (let j = i; j < Math.min(i + 1000, total); j++) {
        rows.push({
          id: newId('instance'), accountId, name: `vm-${j}`, zoneId: cloud.defaults.zoneId, podId: null, clusterId: null, hostId: null, poolId: null,
          imageId: cloud.imageId, imageVersionId: versionId, offeringId: cloud.defaults.offeringIds.small!, keypairId: null, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1,
          hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'running', task: null, observedPower: 'running', observedAt: now, errorReason: null,
          excludedHostIds: '[]', version: 1, createdAt: now, updatedAt: now, deletedAt: null,
        });
      }
      await repos.db.insertInto('instances').values(rows).execute();
    }
    const keys = await cloud.client.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: 'bench' } });
    const ec2 = new EC2Client({ endpoint: keys.endpoint, region: keys.region, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
    // The same pages signed and fetched without the SDK: the server's share, without the SDK's XML parsing.
    const signer = new SignatureV4({ credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey }, region: keys.region, service: 'ec2', sha256: Sha256 });
    const url = new URL(keys.endpoint);
    const rawWalk = async () => {
      let token: string | undefined; let n = 0;
      do {
        const body = `Action=DescribeInstances&Version=2016-11-15&MaxResults=1000${token ? `&NextToken=${encodeURIComponent(token)}` : ''}`;
        const req = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body }));
        const text = await (await fetch(keys.endpoint, { method: 'POST', headers: req.headers, body })).text();
        n += text.split('<instanceId>').length - 1;
        token = /<nextToken>([^<]+)<\/nextToken>/.exec(text)?.[1];
      } while (token);
      return n;
    };
    const ec2Walks: number[] = []; const restWalks: number[] = []; const rawWalks: number[] = [];
    let seen = 0; let pages = 0;
    for (let r = 0; r < runs; r++) {
      let t0 = performance.now();
      seen = 0; pages = 0;
      for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
        pages++;
        seen += (page.Reservations ?? []).reduce((n, res) => n + (res.Instances?.length ?? 0), 0);
      }
      ec2Walks.push(ms(t0));
      if (seen !== total) throw new Error(`EC2 walk saw ${seen} of ${total} instances`);
      t0 = performance.now();
      const rawSeen = await rawWalk();
      rawWalks.push(ms(t0));
      if (rawSeen !== total) throw new Error(`raw EC2 walk saw ${rawSeen} of ${total} instances`);
      t0 = performance.now();
      let cursor: string | null = null; let restSeen = 0;
      do {
        const page: { items: unknown[]; nextCursor: string | null } = await cloud.client.request('GET', '/api/v1/instances', { query: { limit: '1000', ...(cursor ? { cursor } : {}) } });
        restSeen += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      restWalks.push(ms(t0));
      if (restSeen !== total) throw new Error(`REST walk saw ${restSeen} of ${total} instances`);
    }
    ec2.destroy();
    return { instances: total, pages, ec2AllPagesMs: median(ec2Walks), ec2Runs: ec2Walks, ec2WithoutSdkParsingMs: median(rawWalks), rawRuns: rawWalks, restAllPagesMs: median(restWalks), restRuns: restWalks, targetMs: 2000 };
  } finally { await cloud.close(); }
}

async function runMany(): Promise<Record<string, unknown>> {
  const cloud = await startTestCloud({ hosts: 10, cpus: 64, memoryMiB: 65536, logLevel: 'error', sampling: false });
  try {
    const keys = await cloud.client.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: 'bench' } });
    const ec2 = new EC2Client({ endpoint: keys.endpoint, region: keys.region, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } });
    const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    const running = async () => {
      let n = 0; let token: string | undefined;
      do {
        const page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token, Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }));
        n += (page.Reservations ?? []).reduce((k, r) => k + (r.Instances?.length ?? 0), 0);
        token = page.NextToken;
      } while (token);
      return n;
    };
    let t0 = performance.now();
    await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'small' as _InstanceType, MinCount: launch, MaxCount: launch }));
    const acceptedMs = ms(t0);
    while ((await running()) < launch) await new Promise((r) => setTimeout(r, 50));
    const ec2AllRunningMs = ms(t0);
    ec2.destroy();

    // The same through the REST API: 100 creates, then the list until all run.
    t0 = performance.now();
    for (let i = 0; i < launch; i++) {
      await cloud.client.request('POST', '/api/v1/instances', { body: { name: `rest-${i}`, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small } });
    }
    for (;;) {
      const all = await cloud.client.listAll<{ name: string; phase: string }>('instances', {});
      if (all.filter((i) => i.name.startsWith('rest-') && i.phase === 'running').length >= launch) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { launched: launch, hosts: 10, ec2RunInstancesAnsweredMs: acceptedMs, ec2AllRunningMs, restAllRunningMs: ms(t0), targetMs: 10_000 };
  } finally { await cloud.close(); }
}

const only = stringFlag('only');
const describe = only === 'run' ? undefined : await describeWalk();
const run = only === 'describe' ? undefined : await runMany();
process.stdout.write(`${JSON.stringify({ machine: machineReport.finish(), describeInstances: describe, runInstances: run }, null, 2)}\n`);
