/**
 * Test PKI made at run time: a CA, a server certificate for 127.0.0.1 and client certificates,
 * all ECDSA P-256 (milliseconds to generate). @peculiar/x509 builds the certificates over
 * WebCrypto; it needs a Reflect metadata polyfill, hence the import.
 */
import "reflect-metadata";
import { webcrypto, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A certificate and its private key, as PEM. */
export interface IssuedCert {
  cert: string;
  key: string;
}

/** A CA that can issue server and client certificates. */
export interface TestCa extends IssuedCert {
  issue(options: { commonName: string; server?: boolean; ips?: string[]; dns?: string[] }): Promise<IssuedCert>;
}

let serial = 1;

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** Makes a fresh CA valid for an hour. */
export async function createTestCa(commonName = "ai-gateway-agents test CA"): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3_600_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, "0"),
    name: `CN=${commonName}`,
    notBefore,
    notAfter,
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return {
    cert: ca.toString("pem"),
    key: await keyPem(keys.privateKey),
    async issue({ commonName: cn, server = false, ips = [], dns = [] }) {
      const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
      const names = [...ips.map((value) => ({ type: "ip" as const, value })), ...dns.map((value) => ({ type: "dns" as const, value }))];
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, "0"),
        subject: `CN=${cn}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        signingKey: keys.privateKey as never,
        publicKey: leafKeys.publicKey as never,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { cert: leaf.toString("pem"), key: await keyPem(leafKeys.privateKey) };
    },
  };
}

/** A key pair for private_key_jwt, made with node:crypto. */
export function signingKeyPair(type: "rsa" | "ec" | "ed25519" = "ec"): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type === "rsa") return generateKeyPairSync("rsa", { modulusLength: 2048 });
  if (type === "ed25519") return generateKeyPairSync("ed25519");
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** A temporary directory for key and certificate files, removed by `cleanup`. */
export function tempFiles(): { write(name: string, content: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "aiga-pki-"));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
