#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx is a runtime dependency), so
// `npx warden …` works from a checkout and in the container alike. Both of
// tsx's hooks are needed: migrations are loaded through require().
import "tsx";

await import("../src/cli.ts");
