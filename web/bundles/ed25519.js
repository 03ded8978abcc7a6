// Ed25519 signature checks for signed notes (assets/receiptcheck.js).
import { hashes, verify as nobleVerify } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

hashes.sha512 = sha512;

// verify checks sig over msg by the 32-byte public key pub. It follows
// RFC 8032 strictly (zip215 off), as Go's crypto/ed25519 does: opname's
// verifier must accept what `opname verify` accepts, and no more.
export function verify(sig, msg, pub) {
  try {
    return nobleVerify(sig, msg, pub, { zip215: false });
  } catch (_) {
    return false;
  }
}
