// Access reviews sent as Kubernetes protobuf. kubectl's typed clients (what
// `kubectl auth can-i` uses) POST `application/vnd.kubernetes.protobuf`, so
// the review routes must read it; they answer JSON, which kubectl also accepts.
// Only the few messages involved are decoded, by field number, from
// k8s.io/api/authorization/v1/generated.proto:
//   envelope "k8s\0" + runtime.Unknown { typeMeta = 1; raw = 2 }
//   *AccessReview { metadata = 1; spec = 2 }
//   SubjectAccessReviewSpec { resourceAttributes = 1; nonResourceAttributes = 2; user = 3; groups = 4; uid = 6 }
//   SelfSubjectAccessReviewSpec { resourceAttributes = 1; nonResourceAttributes = 2 }
//   SelfSubjectRulesReviewSpec { namespace = 1 }
//   ResourceAttributes { namespace = 1; verb = 2; group = 3; version = 4; resource = 5; subresource = 6; name = 7 }
//   NonResourceAttributes { path = 1; verb = 2 }
import type { AccessReviewSpec, ResourceAttributes } from "./access-review.js";

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  bytes?: Buffer;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const b = buf[pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, pos];
    mul *= 128;
    if (mul > 2 ** 63) throw new Error("varint too long");
  }
}

/** The fields of one message; only length-delimited values are kept (every field read here is a string or message). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = varint(buf, pos);
    pos = p;
    const no = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        pos = varint(buf, pos)[1];
        out.push({ no });
        break;
      case 1:
        pos += 8;
        out.push({ no });
        break;
      case 5:
        pos += 4;
        out.push({ no });
        break;
      case 2: {
        const [len, q] = varint(buf, pos);
        if (q + len > buf.length) throw new Error("truncated field");
        out.push({ no, bytes: buf.subarray(q, q + len) });
        pos = q + len;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return out;
}

const str = (fs: Field[], no: number) => fs.find((f) => f.no === no)?.bytes?.toString("utf8");
const msg = (fs: Field[], no: number) => {
  const b = fs.find((f) => f.no === no)?.bytes;
  return b ? fields(b) : undefined;
};

function resourceAttributes(fs: Field[]): ResourceAttributes {
  return { namespace: str(fs, 1), verb: str(fs, 2), group: str(fs, 3), version: str(fs, 4), resource: str(fs, 5), subresource: str(fs, 6), name: str(fs, 7) };
}

/** The spec of an access review (or `{ namespace }` of a rules review) from a protobuf body. */
export function decodeReviewSpec(body: Buffer, kind: "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview" | "SelfSubjectRulesReview"): AccessReviewSpec & { namespace?: string } {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error("not a Kubernetes protobuf message");
  const raw = fields(body.subarray(4)).find((f) => f.no === 2)?.bytes;
  if (!raw) throw new Error("empty protobuf message");
  const spec = msg(fields(raw), 2) ?? [];
  if (kind === "SelfSubjectRulesReview") return { namespace: str(spec, 1) };
  const out: AccessReviewSpec = {};
  const ra = msg(spec, 1);
  if (ra) out.resourceAttributes = resourceAttributes(ra);
  const nra = msg(spec, 2);
  if (nra) out.nonResourceAttributes = { path: str(nra, 1), verb: str(nra, 2) };
  if (kind !== "SelfSubjectAccessReview") {
    out.user = str(spec, 3);
    out.groups = spec.filter((f) => f.no === 4 && f.bytes).map((f) => f.bytes!.toString("utf8"));
    out.uid = str(spec, 6);
  }
  return out;
}
