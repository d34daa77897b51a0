/**
 * How the client proves who it is: oauth4webapi's own ClientAuth for each method
 * (client_secret_basic/post, client_secret_jwt, private_key_jwt, tls_client_auth), and the files
 * behind private_key_jwt and mTLS. Files are read and checked when a token source or client is
 * built, so a missing or bad file fails at startup with an error naming its variable. Key
 * material is held only as non-extractable CryptoKeys and a TLS SecureContext: it is never put
 * on an object that is logged or serialised, and no message quotes a file's content.
 */
import { createPrivateKey, webcrypto, X509Certificate, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import * as oauth from "oauth4webapi";
import { buildConnector } from "undici";
import type { ClientAssertionAlg, ClientAuthMethod } from "../config/config.js";
import { AIGatewayConfigError } from "./errors.js";

/** What building a ClientAuth needs; only the fields of the chosen method are read. */
export interface ClientAuthSettings {
  authMethod: ClientAuthMethod;
  clientSecret?: string;
  /** private_key_jwt: path of the key file (PEM or JWK). */
  clientKeyFile?: string;
  clientKeyId?: string;
  clientKeyAlg?: ClientAssertionAlg;
  /** JWT assertions: `aud`; default the token endpoint URL. */
  clientAssertionAudience?: string;
}

/** A private key read from AI_GATEWAY_CLIENT_KEY_FILE, checked against its algorithm. */
export interface ClientSigningKey {
  alg: ClientAssertionAlg;
  kid?: string;
  /** WebCrypto import parameters matching `alg`. */
  importParams: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  /** The key as PKCS#8 DER, kept only until it is imported. */
  pkcs8?: Buffer;
}

const KEY_VAR = "AI_GATEWAY_CLIENT_KEY_FILE";
const ALG_VAR = "AI_GATEWAY_CLIENT_KEY_ALG";

function configError(variable: string, code: string, message: string): AIGatewayConfigError {
  return new AIGatewayConfigError(message, { code, variable });
}

/** Reads a file as text, or throws an error naming the variable (with the OS code, never content). */
export function readSettingFile(path: string, variable: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code ?? "unreadable";
    throw configError(variable, "unreadable_file", `${variable}: cannot read the file '${path}' (${code}). Check the path and its permissions.`);
  }
}

const CURVE_ALG: Readonly<Record<string, ClientAssertionAlg>> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };
const WEB_CURVE: Readonly<Record<string, string>> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** The algorithms a key of this type may sign with, the first being its default. */
function algsFor(key: KeyObject): ClientAssertionAlg[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
    case "rsa-pss":
      return ["PS256", "PS384", "PS512"];
    case "ec": {
      const alg = CURVE_ALG[key.asymmetricKeyDetails?.namedCurve ?? ""];
      return alg ? [alg] : [];
    }
    case "ed25519":
      return ["EdDSA"];
    default:
      return [];
  }
}

function importParamsFor(alg: ClientAssertionAlg): ClientSigningKey["importParams"] {
  const hash = `SHA-${alg.slice(2)}`;
  if (alg.startsWith("RS")) return { name: "RSASSA-PKCS1-v1_5", hash };
  if (alg.startsWith("PS")) return { name: "RSA-PSS", hash };
  if (alg.startsWith("ES")) return { name: "ECDSA", namedCurve: WEB_CURVE[alg] } as webcrypto.EcKeyImportParams;
  return { name: "Ed25519" };
}

/** Parses a PEM private key, a private JWK or a JWK set with one private key. */
function parsePrivateKey(text: string): { key: KeyObject; kid?: string; alg?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let json: { keys?: unknown[]; kid?: unknown; alg?: unknown };
    try {
      json = JSON.parse(trimmed) as typeof json;
    } catch {
      throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: the file starts like JSON but is not valid JSON; give a PEM private key or a private JWK.`);
    }
    const candidates = Array.isArray(json.keys) ? json.keys : [json];
    const jwk = candidates.find((k): k is JsonWebKey & { kid?: string; alg?: string } => !!k && typeof k === "object" && "d" in k);
    if (!jwk) throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: the JWK holds no private key (no "d" member); give the private JWK.`);
    try {
      const key = createPrivateKey({ key: jwk, format: "jwk" });
      return { key, kid: typeof jwk.kid === "string" ? jwk.kid : undefined, alg: typeof jwk.alg === "string" ? jwk.alg : undefined };
    } catch {
      throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: the JWK is not a usable private key.`);
    }
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(trimmed)) {
    throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: the key is encrypted; passphrases are not supported, so store it unencrypted with tight file permissions.`);
  }
  try {
    return { key: createPrivateKey(trimmed) };
  } catch {
    throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: the file is not a PEM private key (PKCS#8, PKCS#1 or SEC1) or a private JWK.`);
  }
}

/**
 * Reads and checks the private_key_jwt key: the file must hold a private RSA, EC (P-256/384/521)
 * or Ed25519 key, and `alg` (or the JWK's own alg) must suit it. Throws AIGatewayConfigError.
 */
export function loadClientSigningKey(path: string, options: { alg?: ClientAssertionAlg; kid?: string } = {}): ClientSigningKey {
  const parsed = parsePrivateKey(readSettingFile(path, KEY_VAR));
  const allowed = algsFor(parsed.key);
  if (allowed.length === 0) {
    throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: unsupported key type '${parsed.key.asymmetricKeyType ?? "unknown"}'; use an RSA, EC (P-256, P-384, P-521) or Ed25519 key.`);
  }
  const wanted = options.alg ?? (allowed.includes(parsed.alg as ClientAssertionAlg) ? (parsed.alg as ClientAssertionAlg) : allowed[0]);
  if (!allowed.includes(wanted)) {
    throw configError(ALG_VAR, "invalid_client_key_alg", `${ALG_VAR}: ${wanted} does not suit the ${parsed.key.asymmetricKeyType} key in ${KEY_VAR}; use one of ${allowed.join(", ")}.`);
  }
  return {
    alg: wanted,
    kid: options.kid ?? parsed.kid,
    importParams: importParamsFor(wanted),
    pkcs8: parsed.key.export({ type: "pkcs8", format: "der" }),
  };
}

/**
 * oauth4webapi's ClientAuth for the configured method. JWT assertions get `aud` = the configured
 * audience, else the token endpoint URL (what OpenID Connect Core §9 recommends and what most
 * identity providers check); oauth4webapi itself would put the issuer there.
 */
export async function createClientAuth(settings: ClientAuthSettings, signingKey?: ClientSigningKey): Promise<oauth.ClientAuth> {
  switch (settings.authMethod) {
    case "client_secret_basic":
      return oauth.ClientSecretBasic(requireSecret(settings));
    case "client_secret_post":
      return oauth.ClientSecretPost(requireSecret(settings));
    case "client_secret_jwt":
      return withAudience(oauth.ClientSecretJwt(requireSecret(settings)), settings.clientAssertionAudience);
    case "tls_client_auth":
    case "self_signed_tls_client_auth":
      // The client certificate on the connection authenticates; the body names the client. The two
      // methods differ only in how the server checks the certificate (its CA, or a registered one).
      return oauth.TlsClientAuth();
    case "private_key_jwt": {
      if (!signingKey?.pkcs8) throw configError(KEY_VAR, "missing_client_key", `${KEY_VAR} is required when AI_GATEWAY_AUTH_METHOD is private_key_jwt.`);
      let key: webcrypto.CryptoKey;
      try {
        key = await webcrypto.subtle.importKey("pkcs8", signingKey.pkcs8, signingKey.importParams, false, ["sign"]);
      } catch {
        throw configError(KEY_VAR, "invalid_client_key", `${KEY_VAR}: this Node.js cannot sign ${signingKey.alg} with the key; choose another ${ALG_VAR}.`);
      }
      // The DER copy is not needed once the non-extractable CryptoKey exists.
      signingKey.pkcs8.fill(0);
      signingKey.pkcs8 = undefined;
      const alg = signingKey.alg;
      const auth = oauth.PrivateKeyJwt(
        { key, kid: signingKey.kid },
        {
          // oauth4webapi names an Ed25519 signature "Ed25519" (RFC 9864); most servers know it as "EdDSA".
          [oauth.modifyAssertion]: (header) => {
            if (alg === "EdDSA") header.alg = "EdDSA";
          },
        },
      );
      return withAudience(auth, settings.clientAssertionAudience);
    }
  }
}

function requireSecret(settings: ClientAuthSettings): string {
  if (!settings.clientSecret) {
    throw configError("AI_GATEWAY_CLIENT_SECRET", "missing_credentials", `AI_GATEWAY_CLIENT_SECRET is required when AI_GATEWAY_AUTH_METHOD is ${settings.authMethod}.`);
  }
  return settings.clientSecret;
}

/** oauth4webapi sets a JWT assertion's `aud` from `as.issuer`, so the audience is passed in that slot. */
function withAudience(auth: oauth.ClientAuth, audience: string | undefined): oauth.ClientAuth {
  return (as, client, body, headers) => auth({ ...as, issuer: audience ?? as.token_endpoint ?? as.issuer }, client, body, headers);
}

/** Paths of the mTLS and CA files. */
export interface TlsFiles {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** The TLS files as undici connect options. */
export interface LoadedTls {
  /** Spread into undici's `connect` options. */
  connect: { secureContext: SecureContext };
  /** Whether a client certificate is presented (mTLS). */
  clientCertificate: boolean;
}

/**
 * undici connect options for the TLS files: one SecureContext with the client certificate and
 * key (checked to belong together) and, when a CA file is given, Node's built-in CAs plus that
 * one. Built once, so connections do not re-parse the files. Undefined when no file is set.
 */
export function loadTlsConnectOptions(files: TlsFiles): LoadedTls | undefined {
  if (!files.tlsCert && !files.tlsKey && !files.tlsCa) return undefined;
  if (!!files.tlsCert !== !!files.tlsKey) {
    const missing = files.tlsCert ? "AI_GATEWAY_TLS_KEY" : "AI_GATEWAY_TLS_CERT";
    throw configError(missing, "incomplete_tls_client_cert", `${missing} is required when the other of AI_GATEWAY_TLS_CERT and AI_GATEWAY_TLS_KEY is set.`);
  }
  let cert: string | undefined;
  let key: string | undefined;
  if (files.tlsCert && files.tlsKey) {
    cert = readSettingFile(files.tlsCert, "AI_GATEWAY_TLS_CERT");
    key = readSettingFile(files.tlsKey, "AI_GATEWAY_TLS_KEY");
    const x509 = parseCertificate(cert, "AI_GATEWAY_TLS_CERT");
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey(key);
    } catch {
      throw configError("AI_GATEWAY_TLS_KEY", "invalid_tls_key", "AI_GATEWAY_TLS_KEY: the file is not an unencrypted PEM private key.");
    }
    if (!x509.checkPrivateKey(keyObject)) {
      throw configError("AI_GATEWAY_TLS_KEY", "tls_key_mismatch", "AI_GATEWAY_TLS_KEY does not belong to the certificate in AI_GATEWAY_TLS_CERT.");
    }
  }
  let ca: string[] | undefined;
  if (files.tlsCa) {
    const pem = readSettingFile(files.tlsCa, "AI_GATEWAY_TLS_CA");
    parseCertificate(pem, "AI_GATEWAY_TLS_CA");
    // Added to, not instead of, the built-in CAs: the token endpoint may be a public identity provider.
    ca = [...rootCertificates, pem];
  }
  try {
    return { connect: { secureContext: createSecureContext({ cert, key, ca }) }, clientCertificate: cert !== undefined };
  } catch {
    throw configError("AI_GATEWAY_TLS_CERT", "invalid_tls_files", "AI_GATEWAY_TLS_CERT, AI_GATEWAY_TLS_KEY or AI_GATEWAY_TLS_CA could not be loaded as PEM.");
  }
}

function parseCertificate(pem: string, variable: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw configError(variable, "invalid_certificate", `${variable}: the file is not a PEM certificate.`);
  }
}

/**
 * undici's connector with one change: a TLS alert the server sends after the handshake (how a
 * TLS 1.3 server refuses a missing or untrusted client certificate) fails the socket with that
 * alert. Left alone, undici sees the connection close first and reports a bare "other side
 * closed", which looks like a transient reset and would be retried.
 */
export function alertAwareConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) =>
    connect(opts, (err, socket) => {
      if (socket) {
        socket.on("error", (e: { code?: unknown }) => {
          if (typeof e?.code === "string" && e.code.startsWith("ERR_SSL_") && !socket.destroyed) socket.destroy(e as Error);
        });
      }
      // undici's callback is typed as a union of the two outcomes; pass the pair on as it came.
      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
}
