/**
 * Credentials for a loopback control plane, made with openssl: a self-signed
 * serving certificate for 127.0.0.1 (which is also the CA clients trust), a
 * service-account signing key pair, and a static token file with one admin
 * token (group system:masters) that the scheduler, the kubelet and the user
 * share. A testbed on one machine: no client certificates, no bootstrap.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Credentials {
  servingCertPath: string;
  servingKeyPath: string;
  serviceAccountKeyPath: string;
  serviceAccountPubPath: string;
  tokenFilePath: string;
  adminToken: string;
}

export function makeCredentials(dir: string): Credentials {
  const c = {
    servingCertPath: join(dir, 'serving.crt'),
    servingKeyPath: join(dir, 'serving.key'),
    serviceAccountKeyPath: join(dir, 'sa.key'),
    serviceAccountPubPath: join(dir, 'sa.pub'),
    tokenFilePath: join(dir, 'tokens.csv'),
    adminToken: randomBytes(24).toString('hex'),
  };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30', '-subj', '/CN=sspe-testbed',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
    '-keyout', c.servingKeyPath, '-out', c.servingCertPath]);
  openssl(['genrsa', '-out', c.serviceAccountKeyPath, '2048']);
  openssl(['rsa', '-in', c.serviceAccountKeyPath, '-pubout', '-out', c.serviceAccountPubPath]);
  writeFileSync(c.tokenFilePath, `${c.adminToken},sspe-admin,sspe-admin,"system:masters"\n`, { mode: 0o600 });
  return c;
}

export function readCaData(c: Pick<Credentials, 'servingCertPath'>): string {
  return readFileSync(c.servingCertPath).toString('base64');
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`expected 'openssl ${args[0]}' to make the testbed's credentials, it failed: ${stderr || String(error)}`, { cause: error });
  }
}
