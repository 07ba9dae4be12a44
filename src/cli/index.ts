export { COMMANDS, EXIT_CONFIG, runCli, USAGE, type Command } from "./run-cli.js";
export { processIo, type CliInput, type CliIo, type TextSink } from "./io.js";
