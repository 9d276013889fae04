// EndpointSlice (discovery.k8s.io/v1), the core of pkg/apis/discovery/validation:
// an address type, 1–100 addresses per endpoint, named ports with valid numbers.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { child, index, invalid, notSupported, present, readList, readRec, readString, required } from "./field.js";
import { portNumErrors } from "./names.js";

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];

export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const slice = obj as KubeObject & { addressType?: unknown; endpoints?: unknown; ports?: unknown };
  const type = readString(slice.addressType, "addressType", errs);
  if (type === undefined) errs.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(notSupported("addressType", type, ADDRESS_TYPES));
  readList(slice.endpoints, "endpoints", errs).forEach((e, i) => {
    const p = index("endpoints", i);
    const ep = readRec(e, p, errs);
    if (!ep) return;
    const addrs = readList(ep.addresses, child(p, "addresses"), errs);
    if (addrs.length === 0) errs.push(required(child(p, "addresses"), "must contain at least 1 address"));
    else if (addrs.length > 100) errs.push(invalid(child(p, "addresses"), addrs.length, "must contain at most 100 addresses"));
    addrs.forEach((a, j) => {
      if (typeof a !== "string" || a === "") errs.push(invalid(index(child(p, "addresses"), j), a, "must be a non-empty string"));
    });
  });
  readList(slice.ports, "ports", errs).forEach((x, i) => {
    const p = index("ports", i);
    const port = readRec(x, p, errs);
    if (!port) return;
    readString(port.name, child(p, "name"), errs);
    if (present(port.port)) {
      if (typeof port.port !== "number") errs.push(invalid(child(p, "port"), port.port, "must be an integer"));
      else for (const m of portNumErrors(port.port)) errs.push(invalid(child(p, "port"), port.port, m));
    }
    const proto = readString(port.protocol, child(p, "protocol"), errs);
    if (proto !== undefined && !PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, "protocol"), proto, PROTOCOLS));
  });
  return errs;
}
