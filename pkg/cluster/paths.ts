// Where skiff keeps its state; cheap to import (the CLI reads it at start-up).
import { homedir } from "node:os";
import { join } from "node:path";

export function defaultStateDir(): string {
  return process.env.SKIFF_HOME || join(homedir(), ".skiff");
}

export interface StatePaths {
  dir: string;
  db: string;
  kubeconfig: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  tokens: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    db: join(dir, "skiff.db"),
    kubeconfig: join(dir, "kubeconfig"),
    caCert: join(dir, "pki", "ca.crt"),
    caKey: join(dir, "pki", "ca.key"),
    servingCert: join(dir, "pki", "apiserver.crt"),
    servingKey: join(dir, "pki", "apiserver.key"),
    tokens: join(dir, "tokens.json"),
  };
}


/** Where the local-path provisioner keeps the directories of PersistentVolumes; `skiff down --volumes` removes it. */
export function volumesDir(stateDir: string): string {
  return join(stateDir, "volumes");
}
