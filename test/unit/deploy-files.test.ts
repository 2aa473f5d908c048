// The Dockerfile's CMD and the Kubernetes example's args are real command lines: they must parse
// and load (a typo in a flag would only show when the container starts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { loadConfig } from '../../src/config/load';

const REPO = path.resolve(__dirname, '../..');

function serverArgs(argv: string[]): string[] {
  expect(argv.slice(0, 2)).toEqual(['node', 'dist/src/bin/tinyhttp-mt.js']);
  return argv.slice(2);
}

function loads(argv: string[]) {
  const invocation = parseArgs(argv, 'tinyhttp-mt', '0.0.0', 'threaded');
  expect(invocation.command).toBe('serve');
  // The image serves /srv; here a temp folder stands in for it.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-deploy-'));
  try {
    return loadConfig({ cli: { ...invocation.options, root }, env: {} });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('the Dockerfile CMD starts a server on all interfaces with the admin port', () => {
  const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'))![1];
  const config = loads(serverArgs(JSON.parse(cmd) as string[]));
  expect(config.host).toBe('0.0.0.0');
  expect(config.adminPort).toBe(9090);
  expect(config.gracePeriod).toBe(20);
});

test('the Kubernetes args match the probes and stay inside the termination grace period', () => {
  const yaml = fs.readFileSync(path.join(REPO, 'deploy/kubernetes.yaml'), 'utf8');
  const args = JSON.parse(/^\s*args: (\[.*\])$/m.exec(yaml)![1]) as string[];
  const config = loads(serverArgs(args));
  expect(config.adminPort).toBe(9090);
  const kubernetesGrace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(yaml)![1]);
  expect(config.gracePeriod).toBeLessThan(kubernetesGrace);
  expect(yaml).toContain('path: /readyz');
  expect(yaml).toContain('path: /healthz');
});
