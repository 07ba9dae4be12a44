import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect, it } from "vitest";

// The layering of docs/architecture.md, checked over every import of src/.

const SRC = resolve("src");
const FEATURES = ["auth", "settings", "flags", "audit"];

/** Which top-level folders of src/ each folder may import; files directly in src/ may import anything. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  observability: [],
  config: ["errors"],
  crypto: ["config", "errors"],
  db: ["config", "errors"],
  transport: [],
  guards: ["db", "errors", "transport"],
  cli: ["auth", "config", "crypto", "db", "errors", "observability", "transport", "server.ts"],
  ...Object.fromEntries(FEATURES.map((feature) => [feature, ["config", "crypto", "db", "errors", "guards", ...FEATURES]])),
};

interface Import {
  readonly file: string;
  readonly specifier: string;
  /** The imported file, relative to src/ (undefined outside src/, e.g. gen/ or packages). */
  readonly target: string | undefined;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "migrations" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(path: string): Import[] {
  const file = relative(SRC, path);
  const text = readFileSync(path, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gms)].map((match) => {
    const specifier = (match[1] ?? match[2]) as string;
    if (!specifier.startsWith(".")) return { file, specifier, target: undefined };
    const absolute = resolve(dirname(path), specifier).replace(/\.js$/, ".ts");
    return { file, specifier, target: absolute.startsWith(`${SRC}/`) ? relative(SRC, absolute) : undefined };
  });
}

const topOf = (path: string): string => path.split("/")[0] as string;
const isFolder = (path: string): boolean => path.includes("/");
const imports = sourceFiles(SRC).flatMap(importsOf);
const crossing = imports.filter(
  (entry): entry is Import & { target: string } =>
    entry.target !== undefined && isFolder(entry.file) && topOf(entry.target) !== topOf(entry.file),
);
const describe = (entry: Import) => `${entry.file} -> ${entry.specifier}`;

it("reads the imports of every source file", () => {
  expect(imports.length).toBeGreaterThan(100);
  expect(crossing.length).toBeGreaterThan(20);
});

it("lets each folder import only the folders below it", () => {
  const forbidden = crossing.filter((entry) => {
    const allowed = MAY_IMPORT[topOf(entry.file)];
    return allowed === undefined || !allowed.includes(topOf(entry.target));
  });
  expect(forbidden.map(describe)).toEqual([]);
});

it("reaches into another folder only through its index", () => {
  const internals = crossing.filter((entry) => isFolder(entry.target) && !/^[^/]+\/index\.ts$/.test(entry.target));
  expect(internals.map(describe)).toEqual([]);
});

it("keeps every feature away from the transport", () => {
  const offenders = crossing.filter((entry) => FEATURES.includes(topOf(entry.file)) && topOf(entry.target) === "transport");
  expect(offenders.map(describe)).toEqual([]);
});
