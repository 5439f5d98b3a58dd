import { DriverError, type DriverCallContext, type DriverCapability, type InstanceStatus } from '@kumo/core';
import { FakeDriver } from '@kumo/driver-fake';

/**
 * A fake host whose save takes `steps` ticks of `tickMs`, reports byte progress after each and
 * honours the cancel signal (the guest then runs on), counting how often the work really ran.
 */
export class SteppedSaveDriver extends FakeDriver {
  saves = 0;
  constructor(hostname: string, private readonly steps: number, private readonly tickMs = 20, capabilities?: readonly DriverCapability[]) {
    super({ hostname, ...(capabilities ? { capabilities } : {}) });
  }

  override async save(id: string, statePath: string, ctx?: DriverCallContext): Promise<InstanceStatus> {
    this.saves++;
    for (let i = 1; i <= this.steps; i++) {
      await new Promise((r) => setTimeout(r, this.tickMs));
      if (ctx?.signal?.aborted) throw new DriverError(`save of ${id} cancelled; the guest runs on`, 'cancelled');
      ctx?.onProgress?.({ phase: 'saving memory', percent: (i / this.steps) * 100, bytesDone: i * 1_048_576, bytesTotal: this.steps * 1_048_576 });
    }
    return super.save(id, statePath);
  }
}
