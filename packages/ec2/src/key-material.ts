import { createHash, createPrivateKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An unsigned big-endian integer as an SSH mpint (a leading zero when the top bit is set). */
function mpint(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return sshString((v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/**
 * A new RSA key pair as CreateKeyPair hands it out: the private key in PEM (PKCS#1, what ssh and
 * the AWS tools expect), the public key in OpenSSH's authorized_keys form, and EC2's fingerprint
 * of a created key (SHA-1 of the private key's PKCS#8 DER, colon-separated). Generated on the
 * thread pool: a 2048-bit key takes long enough to stall every other request.
 */
export async function newRsaKeyPair(comment: string): Promise<{ privateKeyPem: string; publicKeyOpenSsh: string; fingerprint: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e ?? '', 'base64url')), mpint(Buffer.from(jwk.n ?? '', 'base64url'))]);
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const der = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const fingerprint = createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
  return { privateKeyPem, publicKeyOpenSsh: `ssh-rsa ${blob.toString('base64')} ${comment}`, fingerprint };
}
