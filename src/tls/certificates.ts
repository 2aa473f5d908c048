// Makes X.509 certificates: the throwaway localhost certificate of --tls-self-signed, and (for the
// tests) a CA with server and client certificates. ECDSA P-256 keys from node:crypto; the ASN.1
// encoding comes from @peculiar/x509, loaded only when a certificate is actually made.

import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';

export interface IssuedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM, unencrypted. */
  readonly keyPem: string;
  /** SHA-256 of the DER certificate, as colon-separated hex (what browsers and openssl show). */
  readonly fingerprint256: string;
}

export interface CertificateRequest {
  /** Subject common name: letters, digits, space and `.-_@` only (no escaping to get wrong). */
  readonly commonName: string;
  /** `ca` may sign others; `server` and `client` are leaf certificates for that TLS role. */
  readonly usage: 'ca' | 'server' | 'client';
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Signs with this certificate's key; without it the certificate is self-signed. */
  readonly issuer?: IssuedCertificate;
  readonly validForDays?: number;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const SAFE_COMMON_NAME = /^[A-Za-z0-9 ._@-]{1,64}$/;
const DAY_MS = 86_400_000;

type X509Module = typeof import('@peculiar/x509');
let x509: X509Module | undefined;

function loadX509(): X509Module {
  if (x509 === undefined) {
    // @peculiar/x509 resolves its encoders through tsyringe, which needs the Reflect metadata API.
    require('reflect-metadata');
    x509 = require('@peculiar/x509') as X509Module;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509Module['cryptoProvider']['set']>[0]);
  }
  return x509;
}

export async function issueCertificate(request: CertificateRequest): Promise<IssuedCertificate> {
  if (!SAFE_COMMON_NAME.test(request.commonName)) throw new Error(`unsupported common name ${JSON.stringify(request.commonName)}`);
  const lib = loadX509();
  const subtle = webcrypto.subtle;
  const keys = (await subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // An hour of slack for clocks that run a little behind.
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + (request.validForDays ?? 30) * DAY_MS);
  const serialNumber = randomSerial();
  const subject = `CN=${request.commonName}`;

  const extensions: InstanceType<X509Module['Extension']>[] = [
    new lib.BasicConstraintsExtension(request.usage === 'ca', request.usage === 'ca' ? 0 : undefined, true),
    new lib.KeyUsagesExtension(
      request.usage === 'ca' ? lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign : lib.KeyUsageFlags.digitalSignature,
      true,
    ),
    await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (request.usage !== 'ca') {
    extensions.push(
      new lib.ExtendedKeyUsageExtension([request.usage === 'server' ? lib.ExtendedKeyUsage.serverAuth : lib.ExtendedKeyUsage.clientAuth]),
    );
  }
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length > 0) extensions.push(new lib.SubjectAlternativeNameExtension(altNames));

  let certificate;
  if (request.issuer === undefined) {
    certificate = await lib.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name: subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      keys,
      extensions,
    });
  } else {
    const issuer = new lib.X509Certificate(request.issuer.certPem);
    const issuerKey = await subtle.importKey('pkcs8', pemToDer(request.issuer.keyPem), ALGORITHM, false, ['sign']);
    extensions.push(await lib.AuthorityKeyIdentifierExtension.create(issuer.publicKey));
    certificate = await lib.X509CertificateGenerator.create({
      serialNumber,
      subject,
      issuer: issuer.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: issuerKey,
      extensions,
    });
  }
  const certPem = certificate.toString('pem') + '\n';
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256 };
}

/** The --tls-self-signed certificate: localhost, 127.0.0.1 and ::1, valid for a week. */
export function selfSignedForLocalhost(): Promise<IssuedCertificate> {
  return issueCertificate({
    commonName: 'localhost',
    usage: 'server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    validForDays: 7,
  });
}

/** 16 random bytes, positive (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
