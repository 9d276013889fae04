// String syntax checks, ported from apimachinery's pkg/util/validation. Each
// `…Errors` function returns the list of messages Kubernetes would print (empty
// when valid) so callers can attach them to whatever field path they own; the
// `is…` forms are the boolean shortcuts other packages want.
import { isIP } from "node:net";

/** apimachinery's RegexError: the message, examples, then the regex itself. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const eg = examples.map((e) => `'${e}', `).join(" or ");
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number): string => `must be no more than ${n} characters`;

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

export function dns1123LabelErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(s)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        "my-name",
        "123-abc",
      ),
    );
  }
  return errs;
}

export function dns1123SubdomainErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(s)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  }
  return errs;
}

export function dns1035LabelErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(s)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  }
  return errs;
}

export const isDNS1123Label = (s: string): boolean => dns1123LabelErrors(s).length === 0;
export const isDNS1123Subdomain = (s: string): boolean => dns1123SubdomainErrors(s).length === 0;
export const isDNS1035Label = (s: string): boolean => dns1035LabelErrors(s).length === 0;

/**
 * Object-name checkers as ValidateObjectMeta uses them. With `prefix` the value is
 * a generateName, whose trailing dash is allowed because a random suffix follows.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];
const masked = (fn: (s: string) => string[]): NameValidator => (name, prefix) =>
  fn(prefix && name.endsWith("-") ? `${name.slice(0, -1)}a` : name);
export const nameIsDNSSubdomain: NameValidator = masked(dns1123SubdomainErrors);
export const nameIsDNSLabel: NameValidator = masked(dns1123LabelErrors);
export const nameIsDNS1035Label: NameValidator = masked(dns1035LabelErrors);

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain. */
export function qualifiedNameErrors(s: string): string[] {
  const errs: string[] = [];
  const parts = s.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const m of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  }
  return errs;
}

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export function labelValueErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(s)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        "MyValue",
        "my_value",
        "12345",
      ),
    );
  }
  return errs;
}

/** IANA_SVC_NAME (RFC 6335): what a named port may be called. */
export function portNameErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(s)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(s)) errs.push("must contain at least one letter (a-z)");
  if (s.includes("--")) errs.push("must not contain consecutive hyphens (--)");
  if (s.startsWith("-") || s.endsWith("-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

export function portNumErrors(n: number): string[] {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}

/** Relative paths "." and ".." would let a key escape the directory it is mounted into. */
function chDirPrefixErrors(s: string): string[] {
  if (s === ".") return ["must not be '.'"];
  if (s === "..") return ["must not be '..'"];
  if (s.startsWith("..")) return ["must not start with '..'"];
  return [];
}

const ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const ENV_VAR_RE = new RegExp(`^${ENV_VAR_FMT}$`);

export function envVarNameErrors(s: string): string[] {
  const errs: string[] = [];
  if (!ENV_VAR_RE.test(s)) {
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ENV_VAR_FMT,
        "my.env-name",
        "MY_ENV.NAME",
        "MyEnvName1",
      ),
    );
  }
  return [...errs, ...chDirPrefixErrors(s)];
}

const CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+";
const CONFIG_KEY_RE = new RegExp(`^${CONFIG_KEY_FMT}$`);

export function configMapKeyErrors(s: string): string[] {
  const errs: string[] = [];
  if (s.length > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY_RE.test(s)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
  }
  return [...errs, ...chDirPrefixErrors(s)];
}

export const IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

export function isValidIP(s: string): boolean {
  return isIP(s) !== 0;
}

const PERCENT_FMT = "[0-9]+%";

export function percentErrors(s: string): string[] {
  return /^[0-9]+%$/.test(s)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, "1%", "93%")];
}
