import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from './ec2-error.ts';
import { filterPredicate } from './filters.ts';
import { fromEc2Id, toEc2Id } from './ec2-ids.ts';
import { QueryParams } from './query-params.ts';
import { renderError, renderResponse, itemSet } from './xml-response.ts';
import { ec2InstanceState } from './instance-state.ts';

test('numbered lists, filters and tag specifications are read in index order', () => {
  const p = QueryParams.parse('InstanceId.2=i-b&InstanceId.1=i-a&Filter.1.Name=tag%3AName&Filter.1.Value.2=y&Filter.1.Value.1=x&Filter.2.Name=instance-state-name&Filter.2.Value.1=running'
    + '&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web');
  assert.deepEqual(p.list('InstanceId'), ['i-a', 'i-b']);
  assert.deepEqual(p.filters(), [{ name: 'tag:Name', values: ['x', 'y'] }, { name: 'instance-state-name', values: ['running'] }]);
  assert.deepEqual(p.tagSpecs(), [{ resourceType: 'instance', tags: [{ key: 'Name', value: 'web' }] }]);
});

test('bad values name their parameter', () => {
  const p = QueryParams.parse('MaxResults=3000&DryRun=maybe');
  assert.throws(() => p.int('MaxResults', 5, 1000), (e: Ec2Error) => e.code === 'InvalidParameterValue' && e.message.startsWith('MaxResults'));
  assert.throws(() => p.bool('DryRun'), (e: Ec2Error) => e.code === 'InvalidParameterValue' && e.message.startsWith('DryRun'));
  assert.throws(() => p.required('ImageId'), (e: Ec2Error) => e.code === 'MissingParameter' && e.message.includes('ImageId'));
});

test('filters: AND across filters, OR across values, * and ? wildcards, tag filters, unknown names refused', () => {
  const items = [{ id: 'a', state: 'running' }, { id: 'b', state: 'stopped' }, { id: 'c', state: 'running' }];
  const tags = new Map([['a', new Map([['Name', 'web-1']])], ['b', new Map([['Name', 'web-2']])], ['c', new Map([['Name', 'db']])]]);
  const pick = (f: Array<{ name: string; values: string[] }>) => items.filter(filterPredicate(f, { 'instance-state-name': (i) => [i.state] }, (i) => tags.get(i.id) ?? new Map())).map((i) => i.id);
  assert.deepEqual(pick([{ name: 'tag:Name', values: ['web-*'] }, { name: 'instance-state-name', values: ['running'] }]), ['a']);
  assert.deepEqual(pick([{ name: 'tag:Name', values: ['web-?', 'db'] }]), ['a', 'b', 'c']);
  assert.deepEqual(pick([{ name: 'tag-key', values: ['Name'] }]), ['a', 'b', 'c']);
  assert.throws(() => pick([{ name: 'no-such', values: ['x'] }]), (e: Ec2Error) => e.code === 'InvalidParameterValue' && e.message.includes('no-such'));
});

test('EC2 ids are derived from Kumo ids and back; malformed ones name the kind', () => {
  assert.equal(toEc2Id('image', 'imgv-01m98h4rfe000b6gj01q'), 'ami-01m98h4rfe000b6gj01q');
  assert.equal(fromEc2Id('image', 'ami-01m98h4rfe000b6gj01q'), 'imgv-01m98h4rfe000b6gj01q');
  assert.equal(fromEc2Id('subnet', toEc2Id('subnet', 'net-01m98h4rfe000b6gj01q')), 'net-01m98h4rfe000b6gj01q');
  assert.throws(() => fromEc2Id('instance', 'vol-01m98h4rfe000b6gj01q'), (e: Ec2Error) => e.code === 'InvalidInstanceID.Malformed');
});

test('responses are in the EC2 namespace with a requestId; errors in EC2\'s error document', () => {
  const xml = renderResponse('DescribeTags', 'req-1', { tagSet: itemSet([{ key: 'a<b', value: 'x' }]), nextToken: undefined });
  assert.equal(xml, '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><tagSet><item><key>a&lt;b</key><value>x</value></item></tagSet></DescribeTagsResponse>');
  assert.equal(renderError('InvalidInstanceID.NotFound', 'gone', 'req-2'), '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>gone</Message></Error></Errors><RequestID>req-2</RequestID></Response>');
});

test('instance states from phase, task and desired state', () => {
  assert.equal(ec2InstanceState({ phase: 'pending', task: 'scheduling', desired: 'running' }), 'pending');
  assert.equal(ec2InstanceState({ phase: 'running', task: null, desired: 'running' }), 'running');
  assert.equal(ec2InstanceState({ phase: 'running', task: 'stopping', desired: 'stopped' }), 'stopping');
  assert.equal(ec2InstanceState({ phase: 'stopped', task: null, desired: 'stopped' }), 'stopped');
  assert.equal(ec2InstanceState({ phase: 'running', task: 'deleting', desired: 'deleted' }), 'shutting-down');
  assert.equal(ec2InstanceState({ phase: 'deleted', task: null, desired: 'deleted' }), 'terminated');
});
