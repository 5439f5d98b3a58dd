import { Ec2Error, fromKumoCode } from './ec2-error.ts';

/** The Kumo API error code of an error the backend raised, if it has one. */
export function kumoCodeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Ec2Error || typeof code !== 'string' ? undefined : code;
}

/** Run a backend call, answering its Kumo errors in EC2 codes (`notFound`: the resource's NotFound code). */
export async function mapKumoErrors<T>(fn: () => Promise<T>, notFound?: string, overrides: Record<string, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = kumoCodeOf(e);
    if (code === undefined) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const ec2 = overrides[code];
    throw ec2 ? new Ec2Error(ec2, message) : fromKumoCode(code, message, notFound);
  }
}
