/** JSON that keeps bigints (written as `{ "$bigint": "123" }`), for records kept on disk. */
export function stringifyWithBigints(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v), indent)
}

export function parseWithBigints<T>(text: string): T {
  return JSON.parse(text, (_, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $bigint?: unknown }).$bigint === 'string' ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as T
}
