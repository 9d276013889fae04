// Boolean query parameters as Kubernetes converts them (apimachinery's
// Convert_Slice_string_To_bool): present and anything but "0" or "false" (any
// case) is true, so the Python client's `watch=True` starts a watch.

export function queryBool(v: string | undefined): boolean {
  if (v === undefined) return false;
  return !(v === "0" || v.toLowerCase() === "false");
}
