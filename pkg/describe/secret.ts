// `describe secret` as kubectl prints it (describeSecret in describe.go): the
// keys with their sizes, never their values — without this the generic
// describer would print every value.
import type { V1Secret } from "@kubernetes/client-node";
import { printAnnotationsMultiline, printLabelsMultiline, sortedKeys } from "./format.js";
import { LEVEL_0, tabbed } from "./tab-writer.js";

export function describeSecret(secret: V1Secret): string {
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${secret.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${secret.metadata?.namespace ?? ""}\n`);
    printLabelsMultiline(w, "Labels", secret.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", secret.metadata?.annotations);
    w.write(LEVEL_0, `\nType:\t${secret.type ?? ""}\n`);
    w.write(LEVEL_0, "\nData\n====\n");
    for (const k of sortedKeys(secret.data)) w.write(LEVEL_0, `${k}:\t${Buffer.from(String(secret.data![k]), "base64").length} bytes\n`);
  });
}
