// The contract between the StatefulSet controller and the node agent for
// per-pod volume identity. skiff has no PersistentVolumeClaims: a claim template
// becomes an emptyDir volume, and this pod annotation names the claim each such
// volume stands for ({"www": "www-web-0"}). The agent keeps those volumes per
// (namespace, claim) rather than per pod, so the data outlives the pod.

export const VOLUME_IDENTITY_ANNOTATION = "skiff.dev/volume-identity";

/** A claim name is a DNS subdomain: never a path that could leave the claims directory. */
const CLAIM_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function isSafeClaimName(name: string): boolean {
  return name.length <= 253 && CLAIM_NAME.test(name) && !name.includes("..");
}

/** volume → claim from a pod's annotations; unreadable or unsafe entries are left out. */
export function parseVolumeIdentities(annotations: Record<string, string> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const raw = annotations?.[VOLUME_IDENTITY_ANNOTATION];
  if (!raw) return out;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return out;
    for (const [volume, claim] of Object.entries(parsed)) if (typeof claim === "string" && isSafeClaimName(claim)) out.set(volume, claim);
  } catch {
    // Unreadable: the volumes are plain per-pod emptyDirs.
  }
  return out;
}

export function formatVolumeIdentities(identities: Record<string, string>): string {
  return JSON.stringify(identities);
}
