// TLS settings: the certificate, key and client CA read from their files, checked as a pair before
// use, and turned into the options of a secure context. Used at start and on every reload, so a
// broken new pair is refused here and the listener keeps the context it has.

import { constants, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { checkSecretFileMode, readSecretFile } from '../config/secret-files';
import type { ServerConfig } from '../config/options';
import { ConfigError } from '../errors/http-error';
import type { IssuedCertificate } from './certificates';

/**
 * TLS 1.3 suites and, for TLS 1.2, only ECDHE key exchange with AEAD ciphers (Mozilla's
 * "intermediate" profile without DHE). Node's default list also admits CBC suites and RSA key
 * exchange without forward secrecy, which scanners flag and HTTP/2 forbids (RFC 9113 §9.2.2).
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Warn this long before the certificate expires. */
const EXPIRY_WARNING_DAYS = 14;

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly passphrase: string | undefined;
  /** PEM CA bundle for client certificates (mTLS), when configured. */
  readonly clientCa: Buffer | undefined;
  /** For logs: the leaf certificate's subject, SHA-256 fingerprint and expiry. */
  readonly description: string;
}

type TlsFiles = Pick<ServerConfig, 'tlsCert' | 'tlsKey' | 'tlsPassphraseFile' | 'tlsClientCa' | 'tlsMinVersion'>;

/** The files to watch for a reload. */
export function tlsFiles(config: TlsFiles): string[] {
  return [config.tlsCert, config.tlsKey, config.tlsPassphraseFile, config.tlsClientCa].filter((file): file is string => file !== undefined);
}

/**
 * Reads and checks the configured files (or takes the --tls-self-signed pair); a ConfigError (naming the flag, never a secret) when they do not make a pair. */
export function loadTlsMaterial(config: TlsFiles, warn: (message: string) => void, selfSigned?: IssuedCertificate): TlsMaterial {
  const cert = selfSigned === undefined ? readSecretFile(config.tlsCert!, '--tls-cert') : Buffer.from(selfSigned.certPem);
  const key = selfSigned === undefined ? readSecretFile(config.tlsKey!, '--tls-key') : Buffer.from(selfSigned.keyPem);
  if (selfSigned === undefined) checkSecretFileMode(config.tlsKey!, '--tls-key', warn);
  let passphrase: string | undefined;
  if (config.tlsPassphraseFile !== undefined) {
    passphrase = readSecretFile(config.tlsPassphraseFile, '--tls-passphrase-file')
      .toString('utf8')
      .replace(/\r?\n$/, '');
    checkSecretFileMode(config.tlsPassphraseFile, '--tls-passphrase-file', warn);
  }
  const clientCa = config.tlsClientCa === undefined ? undefined : readSecretFile(config.tlsClientCa, '--tls-client-ca');
  const material = { cert, key, passphrase, clientCa, description: '' };
  try {
    tls.createSecureContext(secureContextOptions(material, config.tlsMinVersion));
  } catch (error) {
    throw new ConfigError(describeContextError(error as Error & { code?: string }, key.includes('ENCRYPTED')));
  }
  // A throwaway certificate is short-lived on purpose: no expiry warnings for it.
  return { ...material, description: describeCertificate(cert, selfSigned === undefined ? warn : () => undefined) };
}

/** What a secure context is made from; the same at start and on reload. */
export function secureContextOptions(material: Omit<TlsMaterial, 'description'>, minVersion: tls.SecureVersion): tls.SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    passphrase: material.passphrase,
    ca: material.clientCa,
    minVersion,
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    // Renegotiation is a DoS lever and has no use here (TLS 1.3 and HTTP/2 forbid it anyway).
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}

function describeCertificate(cert: Buffer, warn: (message: string) => void): string {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError('--tls-cert does not hold a PEM certificate');
  }
  const expires = new Date(leaf.validTo);
  const daysLeft = Math.floor((expires.getTime() - Date.now()) / 86_400_000);
  if (daysLeft < 0) warn(`--tls-cert expired on ${expires.toISOString()}; clients will refuse it`);
  else if (daysLeft < EXPIRY_WARNING_DAYS) warn(`--tls-cert expires in ${daysLeft} days (${expires.toISOString()})`);
  const subject = leaf.subject.replace(/\n/g, ', ');
  return `${subject}, SHA-256 ${leaf.fingerprint256}, expires ${expires.toISOString()}`;
}

/** OpenSSL's reasons, in words; the text never includes key material. */
function describeContextError(error: Error & { code?: string }, encryptedKey: boolean): string {
  const reason = `${error.code ?? ''} ${error.message}`;
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(reason)) return '--tls-key does not belong to the certificate in --tls-cert';
  // A wrong passphrase decrypts to garbage, which OpenSSL reports as a bad decrypt or, as often,
  // as an unsupported or undecodable key.
  if (/bad decrypt|BAD_DECRYPT|bad password/i.test(reason) || encryptedKey) return '--tls-key is encrypted and the passphrase is wrong or missing (--tls-passphrase-file)';
  if (/ERR_OSSL_PEM|no start line|PEM/i.test(reason)) return '--tls-cert, --tls-key or --tls-client-ca is not valid PEM';
  return `--tls-cert / --tls-key cannot be used (${error.code ?? 'invalid'})`;
}
