/** Errors of the host storage layer, with a stable code the agent can put in its reply. */

export type StorageErrorCode =
  | 'bad-request'          // an id, size or format the caller should not have sent
  | 'download-failed'      // HTTP error status, network error, stalled transfer
  | 'truncated'            // the server sent fewer bytes than the image's size
  | 'too-large'            // the server sent more bytes than the image's size
  | 'checksum-mismatch'    // the bytes do not hash to the image's sha256
  | 'bad-image'            // not the format it claims, or a qcow2 with a backing/data file
  | 'no-space'             // not enough free space for the download
  | 'volume-conflict'      // a volume with this id exists with another size
  | 'command-failed'       // qemu-img (or another host program) failed
  | 'timeout'              // a host program did not finish within its deadline
  | 'cancelled'            // the caller cancelled (its AbortSignal fired); nothing was left behind
  | 'not-found'            // the volume or snapshot does not exist
  | 'shrink-refused'       // a resize below the volume's current size
  | 'in-use';              // a snapshot that volumes are still cloned from

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(readonly code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
