import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedPciSlots, formatPciSlot, maxPciSlot, pciSlotRanges, reservedPciSlots } from './device-layout.ts';
import { allocatePciSlot, allocatePciSlots, DeviceSlotError, deviceSlotLimit } from './device-slot-allocator.ts';
import { diskSerialOf, diskSerialPattern } from './disk-serial.ts';

test('device slots: the first NIC and the first data disk get the start of their ranges', () => {
  assert.equal(allocatePciSlot('nic', []), 0x08);
  assert.equal(allocatePciSlot('dataDisk', []), 0x11);
});

test('device slots: the lowest free slot is reused after a detach, the others keep theirs', () => {
  assert.equal(allocatePciSlot('dataDisk', [0x11, 0x13, 0x14]), 0x12);
  assert.equal(allocatePciSlot('nic', [0x08, 0x09, 0x0a]), 0x0b);
  // Slots outside the range (other kinds' devices) do not matter.
  assert.equal(allocatePciSlot('nic', [0x10, 0x11, 0x1e]), 0x08);
});

test('device slots: several at once are consecutive free slots, all or nothing', () => {
  assert.deepEqual(allocatePciSlots('nic', [0x09], 3), [0x08, 0x0a, 0x0b]);
  assert.throws(() => allocatePciSlots('nic', [0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d], 3), DeviceSlotError);
});

test('device slots: a full range is an error naming the limit and the range', () => {
  const full = Array.from({ length: 8 }, (_, i) => 0x08 + i);
  assert.throws(() => allocatePciSlot('nic', full), (e: unknown) => {
    assert.ok(e instanceof DeviceSlotError);
    assert.equal(e.kind, 'nic');
    assert.equal(e.limit, 8);
    assert.match(e.message, /at most 8 NICs \(PCI slots 0x08–0x0f are all in use\)/);
    return true;
  });
  const disks = Array.from({ length: deviceSlotLimit('dataDisk') }, (_, i) => 0x11 + i);
  assert.throws(() => allocatePciSlot('dataDisk', disks), /at most 13 data disks/);
});

test('device layout: ranges, fixed and reserved slots never overlap and stay on the bus', () => {
  const owner = new Map<number, string>();
  const claim = (slot: number, who: string): void => {
    assert.ok(slot >= 0 && slot <= maxPciSlot, `${who} at ${formatPciSlot(slot)} is off the bus`);
    assert.equal(owner.get(slot), undefined, `${formatPciSlot(slot)} claimed by ${owner.get(slot)} and ${who}`);
    owner.set(slot, who);
  };
  for (const [kind, r] of Object.entries(pciSlotRanges)) for (let s = r.first; s <= r.last; s++) claim(s, kind);
  for (const [name, s] of Object.entries(fixedPciSlots)) claim(s, name);
  for (const s of reservedPciSlots) claim(s, 'reserved');
  assert.equal(owner.size, maxPciSlot + 1, 'every slot has exactly one role');
  // The root disk is below every data disk and the config drive above: the guest names it vda.
  assert.ok(fixedPciSlots.rootDisk < pciSlotRanges.dataDisk.first);
  assert.ok(fixedPciSlots.configDrive > pciSlotRanges.dataDisk.last);
});

test('disk serial: the volume id cut to 20 characters of [A-Za-z0-9_.-]', () => {
  assert.equal(diskSerialOf('vol-01hgw2k3m4n5p6q7r8s9'), 'vol-01hgw2k3m4n5p6q7');
  assert.equal(diskSerialOf('vol/a,b c'), 'volabc');
  for (const id of ['vol-01hgw2k3m4n5p6q7r8s9', 'v', 'vol-it-root']) assert.match(diskSerialOf(id), diskSerialPattern);
});
