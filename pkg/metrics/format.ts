// Quantities as the resource metrics API writes them: cpu in nanocores
// ("12345n", canonicalised to "5m" or "2" when exact), memory in bytes with
// binary suffixes ("1234Ki"), both through skiff's Quantity so the text is
// exactly what Kubernetes' resource.Quantity would print.
import { Quantity } from "../api/quantity.js";

export function cpuQuantity(nanoCores: number): string {
  return Quantity.fromNano(BigInt(Math.max(0, Math.round(nanoCores)))).toString();
}

export function memoryQuantity(bytes: number): string {
  return Quantity.fromValue(BigInt(Math.max(0, Math.round(bytes))), "BinarySI").toString();
}

/** "15s": a window as a Go duration string (whole seconds, else milliseconds). */
export function windowDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** kubectl top's cell for cpu: whole millicores, rounded up ("251m"). */
export function topCpu(nanoCores: number): string {
  return `${Quantity.fromNano(BigInt(Math.max(0, Math.round(nanoCores)))).milliValue()}m`;
}

/** kubectl top's cell for memory: whole MiB, rounded down ("12Mi"). */
export function topMemory(bytes: number): string {
  return `${Math.floor(Math.max(0, bytes) / (1024 * 1024))}Mi`;
}
