/**
 * Reasons on power events and statuses. Free text, with one convention the server relies on: a
 * change the guest made itself (it powered off, reset or panicked) has a reason starting with
 * `guest` — QEMU's own SHUTDOWN reasons (guest-shutdown, guest-reset, guest-panic), "guest
 * panicked (…)", "guest suspended (S3)" — so the controller can tell "the user's OS shut down"
 * from "the host killed it". Reasons for anything else never start with `guest`.
 */
export const guestShutdownReason = 'guest-shutdown';

export function isGuestInitiatedReason(reason: string | undefined): boolean {
  return reason !== undefined && reason.startsWith('guest');
}
