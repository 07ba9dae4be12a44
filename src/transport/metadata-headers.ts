import { Metadata, type MetadataValue } from "@grpc/grpc-js";

/**
 * Fetch Headers over grpc-js Metadata, without copying: what a gRPC handler context offers as
 * request and response headers. Undici's Headers validate and convert every name and value on
 * every operation, which cost more per call than the rest of the guard chain together; here a
 * header costs what the Metadata lookup costs. Binary (`-bin`) values read as base64, as they
 * travel over HTTP and as connect-node presents them.
 */
export class MetadataHeaders implements Headers {
  constructor(readonly metadata: Metadata = new Metadata()) {}

  get(name: string): string | null {
    const values = this.metadata.get(name.toLowerCase());
    return values.length === 0 ? null : values.map(textOf).join(", ");
  }

  has(name: string): boolean {
    return this.metadata.get(name.toLowerCase()).length > 0;
  }

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    this.metadata.set(key, valueFor(key, value));
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    this.metadata.add(key, valueFor(key, value));
  }

  delete(name: string): void {
    this.metadata.remove(name.toLowerCase());
  }

  getSetCookie(): string[] {
    return this.metadata.get("set-cookie").map(textOf);
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): IterableIterator<[string, string]> {
    const keys = Object.keys(this.metadata.getMap()).sort();
    for (const key of keys) yield [key, this.get(key) as string];
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function textOf(value: MetadataValue): string {
  return typeof value === "string" ? value : value.toString("base64");
}

function valueFor(key: string, value: string): MetadataValue {
  return key.endsWith("-bin") ? Buffer.from(value, "base64") : value;
}
