// Secret rows (printSecret in printers.go): name, type, how many keys, age.
// The values are never part of a row; only `-o yaml|json` shows them.
import { ageOf } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

export interface SecretLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  type?: string;
  data?: Record<string, string>;
}

export const secretPrinter: KindPrinter<SecretLike> = {
  columns: [
    nameColumn(),
    column("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
    column("Data", "string", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
    ageColumn(),
  ],
  row(secret, now) {
    return {
      cells: [secret.metadata?.name ?? "", secret.type ?? "", Object.keys(secret.data ?? {}).length, ageOf(secret.metadata?.creationTimestamp, now)],
    };
  },
};
