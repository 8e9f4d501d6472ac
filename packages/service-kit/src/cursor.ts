import { badInput } from "./errors";

/** An opaque keyset cursor: base64url of a small JSON object. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Decodes a cursor made by {@link encodeCursor}; anything else is BAD_USER_INPUT. */
export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string,
  check: (value: Record<string, unknown>) => value is T,
): T {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error("shape");
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badInput("Malformed cursor", "after");
  }
  if (typeof value !== "object" || value === null || !check(value as Record<string, unknown>)) {
    throw badInput("Malformed cursor", "after");
  }
  return value as T;
}
