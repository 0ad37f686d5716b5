/**
 * The serving certificate: loaded at start-up (fail fast), then watched and
 * swapped into the running HTTPS server with `setSecureContext`, so a renewed
 * certificate (cert-manager, a rotated Secret) is served without a restart.
 *
 * Kubernetes updates a Secret volume by writing a new timestamped directory and
 * atomically re-pointing the `..data` symlink, so the files themselves are
 * never modified in place; watching the directory sees the rename. fs.watch
 * can miss events (some filesystems, inotify limits), so a poll backs it up.
 * A half-written pair (new cert, old key) fails to load and is retried on the
 * next event or poll; the old certificate keeps being served meanwhile.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { EngineLogger } from './rules/engine.js';

export interface TlsMaterial {
  cert: string;
  key: string;
}

/** Reads and checks the pair (and that the certificate is valid at `now`); throws an Error naming the file and what to do. */
export function loadTlsMaterial(certFile: string, keyFile: string, now: Date = new Date()): TlsMaterial {
  const cert = readPem(certFile, 'certificate', '--tls-cert-file');
  const key = readPem(keyFile, 'private key', '--tls-key-file');
  checkPair({ cert, key }, certFile, keyFile);
  checkValidity(cert, certFile, now);
  return { cert, key };
}

/**
 * Throws when the (first) certificate in `pem` is expired or not yet valid at
 * `now`. The apiserver would refuse every TLS handshake with it, and the
 * validating webhooks fail closed: better to refuse it here, loudly.
 */
export function checkValidity(pem: string, certFile: string, now: Date): void {
  const certificate = new X509Certificate(pem);
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  const which = `the TLS certificate ${certFile} (${certificate.subject.replace(/\n/g, ', ')}, sha256 ${certificate.fingerprint256})`;
  if (now.getTime() < from.getTime()) {
    throw new Error(`${which} is not valid yet: valid from ${from.toISOString()}, now is ${now.toISOString()}; check the clock of the issuer and of this node, or issue a certificate valid now`);
  }
  if (now.getTime() > to.getTime()) {
    throw new Error(`${which} expired at ${to.toISOString()} (now ${now.toISOString()}); renew it (cert-manager: check the Certificate's status; self-managed: replace the Secret's tls.crt and tls.key)`);
  }
}

function readPem(file: string, what: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file} (${flag}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Throws when the files are not PEM or the key does not belong to the certificate. */
function checkPair(material: TlsMaterial, certFile: string, keyFile: string): void {
  try {
    tls.createSecureContext({ cert: material.cert, key: material.key });
  } catch (error) {
    throw new Error(
      `the TLS certificate ${certFile} and key ${keyFile} cannot be used together: ` +
        `${error instanceof Error ? error.message : String(error)}; check that both are PEM and belong to each other`,
    );
  }
}

/** Fingerprint and expiry, for logs. */
export function describeCertificate(pem: string): { fingerprint256: string; validTo: string; subject: string } {
  const certificate = new X509Certificate(pem);
  return { fingerprint256: certificate.fingerprint256, validTo: certificate.validTo, subject: certificate.subject };
}

export interface CertificateWatcherOptions {
  certFile: string;
  keyFile: string;
  pollMs: number;
  /** What is served now; reloads compare against it. */
  current: TlsMaterial;
  /** Installs new material, e.g. `server.setSecureContext(material)`. */
  apply(material: TlsMaterial): void;
  log: EngineLogger;
  /** The clock validity is checked against (tests). */
  now?: () => Date;
}

export interface CertificateWatcher {
  /** Checks the files now; true when new material was applied. */
  reload(): Promise<boolean>;
  close(): void;
}

/** Quiet period after a change event before reading: a Secret update touches several entries. */
const SETTLE_MS = 100;

export function watchCertificate(options: CertificateWatcherOptions): CertificateWatcher {
  let current = options.current;
  let closed = false;
  let reloading: Promise<boolean> | null = null;
  let settleTimer: NodeJS.Timeout | undefined;

  const reloadOnce = async (): Promise<boolean> => {
    let next: TlsMaterial;
    try {
      const [cert, key] = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8')]);
      next = { cert, key };
    } catch (error) {
      options.log.warn({ err: error, certFile: options.certFile, keyFile: options.keyFile }, 'cannot read TLS files; keeping the current certificate');
      return false;
    }
    if (closed || (next.cert === current.cert && next.key === current.key)) return false;
    try {
      checkPair(next, options.certFile, options.keyFile);
    } catch (error) {
      options.log.warn({ err: error }, 'new TLS files are not usable yet; keeping the current certificate');
      return false;
    }
    try {
      checkValidity(next.cert, options.certFile, (options.now ?? (() => new Date()))());
    } catch (error) {
      // Not a half-written pair that the next event completes: someone published a certificate
      // that cannot be served. Refused, loudly, every time the files are looked at.
      options.log.error({ err: error }, `new TLS certificate refused: ${error instanceof Error ? error.message : String(error)}; keeping the current certificate`);
      return false;
    }
    try {
      options.apply(next);
    } catch (error) {
      options.log.warn({ err: error }, 'new TLS files are not usable yet; keeping the current certificate');
      return false;
    }
    current = next;
    options.log.info({ certificate: describeCertificate(next.cert) }, 'TLS certificate reloaded');
    return true;
  };

  // Serialise reloads so two events cannot apply material out of order.
  const reload = (): Promise<boolean> => {
    const run = (reloading ?? Promise.resolve(false)).then(reloadOnce, reloadOnce);
    reloading = run;
    return run;
  };

  const scheduleReload = (): void => {
    if (closed) return;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => void reload(), SETTLE_MS);
    settleTimer.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const directory of new Set([dirname(options.certFile), dirname(options.keyFile)])) {
    try {
      const watcher = watch(directory, { persistent: false }, scheduleReload);
      watcher.on('error', (error) => options.log.warn({ err: error, directory }, 'TLS directory watch failed; polling only'));
      watchers.push(watcher);
    } catch (error) {
      options.log.warn({ err: error, directory }, 'cannot watch the TLS directory; polling only');
    }
  }
  const poll = setInterval(() => void reload(), options.pollMs);
  poll.unref();

  return {
    reload,
    close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(settleTimer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
