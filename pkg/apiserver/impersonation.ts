// Impersonation (`kubectl --as alice --as-group dev`): the Impersonate-User and
// Impersonate-Group headers make a request act as another user, if the real
// user may "impersonate" that user and each group (Kubernetes'
// endpoints/filters/impersonation.go). Only cluster admins may by default.
import { ApiError, errors } from "../api/errors.js";
import { forbiddenMessage, type AuthorizationAttributes, type Authorizer, type UserInfo } from "./auth.js";

/**
 * The user a request acts as: the authenticated one, or the impersonated one
 * after checking the right to impersonate. Throws Forbidden or BadRequest.
 */
export async function impersonatedUser(real: UserInfo, headers: Record<string, string | string[] | undefined>, authorizer: Authorizer | undefined, path: string): Promise<UserInfo> {
  const user = single(headers["impersonate-user"]);
  const groups = many(headers["impersonate-group"]);
  if (user === undefined) {
    if (groups.length > 0) throw errors.badRequest(`requested [${groups.join(" ")}] without impersonating a user`);
    return real;
  }
  const check = async (resource: "users" | "groups", name: string) => {
    if (!authorizer) return;
    const a: AuthorizationAttributes = { user: real.user, groups: real.groups, verb: "impersonate", isResourceRequest: true, apiGroup: "", resource, name, path };
    const d = await authorizer.authorize(a);
    if (!d.allowed) throw new ApiError("Forbidden", forbiddenMessage(a, d.reason), { name, kind: resource });
  };
  await check("users", user);
  for (const g of groups) await check("groups", g);
  const all = [...groups];
  // As Kubernetes does: an impersonated (non-anonymous) user is authenticated.
  if (user !== "system:anonymous" && !all.includes("system:authenticated")) all.push("system:authenticated");
  return { user, groups: all };
}

function single(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
}

/** Each Impersonate-Group header is one group (pass headersDistinct); a joined "a, b" string is split. */
function many(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean);
}
