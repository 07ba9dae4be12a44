// The process entry of `warden` (bin/warden.js, `npm start`): the commands live in ./cli/.
import { processIo, runCli } from "./cli/index.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
