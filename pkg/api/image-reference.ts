// Container image references as the kubelet parses them (the distribution
// project's reference grammar, which Docker and containerd share):
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component ( "/" path-component )*
//   domain     := host [ ":" port ]            host: DNS name, IPv4, [IPv6]
//   path-comp. := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex{32,}
//
// Why here and not left to the engine: Kubernetes refuses such a pod's
// container before any pull (waiting reason InvalidImageName) with a message
// users search for; an engine would instead fail a pull with its own words, or
// (the fake runtime) run anything.

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const HOST = `(?:${DOMAIN_NAME}|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  /** Repository as written ("skiff/busybox", "registry.local:5000/team/app"). */
  name: string;
  tag?: string;
  digest?: string;
}

/** Why a reference does not parse, in the words of the distribution library. */
export class InvalidImageReferenceError extends Error {
  override name = "InvalidImageReferenceError";
  constructor(
    readonly image: string,
    readonly detail: string,
  ) {
    super(`couldn't parse image name "${image}": ${detail}`);
  }
}

/** Parses an image reference; throws InvalidImageReferenceError. */
export function parseImageReference(image: string): ImageReference {
  const m = REFERENCE.exec(image);
  if (!m) {
    // Upper case in the repository path is the most common mistake: the library names it.
    const repo = repositoryPart(image);
    const onlyCase = /[A-Z]/.test(repo) && REFERENCE.test(image.replace(repo, repo.toLowerCase()));
    throw new InvalidImageReferenceError(image, onlyCase ? "invalid reference format: repository name must be lowercase" : "invalid reference format");
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidImageReferenceError(image, `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The repository path after a domain, without tag or digest. */
function repositoryPart(image: string): string {
  const withoutDigest = image.split("@")[0];
  const slash = withoutDigest.indexOf("/");
  const first = slash < 0 ? "" : withoutDigest.slice(0, slash);
  const hasDomain = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  const rest = hasDomain ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = rest.lastIndexOf(":");
  return colon < 0 ? rest : rest.slice(0, colon);
}

/** The message the kubelet gives a container whose image does not parse. */
export function invalidImageNameMessage(e: InvalidImageReferenceError): string {
  return `Failed to apply default image tag "${e.image}": ${e.message}`;
}
