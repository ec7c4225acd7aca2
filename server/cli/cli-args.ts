import { parseArgs } from "node:util";

/** One command-line option: a string (with its default) or a flag. */
export type CliOption = { type: "string"; default?: string; help: string } | { type: "boolean"; help: string };

export interface CliSpec<O extends Record<string, CliOption>> {
  /** How it is run, e.g. "npm run chaos -- [options]". */
  usage: string;
  /** One or two sentences: what it does. */
  summary: string;
  options: O;
  /** Positional arguments it takes, for the usage text (none: positionals are refused). */
  positionals?: string;
  /** Lines after the options (settings read from the environment, examples). */
  notes?: string[];
}

type Values<O extends Record<string, CliOption>> = {
  [K in keyof O]: O[K] extends { type: "boolean" } ? boolean : O[K] extends { default: string } ? string : string | undefined;
};

/**
 * Parses argv for a ringcast command: `--help` prints the usage and exits 0; an unknown option or
 * a missing value prints one line and exits 2 (no stack trace).
 */
export function parseCli<O extends Record<string, CliOption>>(spec: CliSpec<O>, argv = process.argv.slice(2)): { values: Values<O>; positionals: string[] } {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usageText(spec)}\n`);
    process.exit(0);
  }
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [name, option.type === "string" && option.default !== undefined ? { type: option.type, default: option.default } : { type: option.type }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: spec.positionals !== undefined, strict: true });
    return { values: values as Values<O>, positionals };
  } catch (err) {
    process.stderr.write(`${firstLine(err)} (see --help)\n`);
    process.exit(2);
  }
}

export function usageText<O extends Record<string, CliOption>>(spec: CliSpec<O>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const flag = option.type === "string" ? `--${name} <value>` : `--${name}`;
    const fallback = option.type === "string" && option.default !== undefined ? ` (default: ${option.default})` : "";
    return `  ${flag.padEnd(26)} ${option.help}${fallback}`;
  });
  const positionals = spec.positionals ? `\narguments: ${spec.positionals}` : "";
  const notes = spec.notes && spec.notes.length > 0 ? `\n\n${spec.notes.join("\n")}` : "";
  const optionList = rows.length > 0 ? `\n\noptions:\n${rows.join("\n")}\n  ${"--help".padEnd(26)} this text` : "\n\noptions:\n  --help                     this text";
  return `usage: ${spec.usage}\n\n${spec.summary}${positionals}${optionList}${notes}`;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "bad arguments";
}

/** The usage note of the commands configured by environment variables. */
export const SETTINGS_NOTE = [
  "Settings come from environment variables (README: Configuration), e.g.",
  "  RINGCAST_TOKEN_SECRET (required, openssl rand -hex 32), PORT, HOST, REDIS_URL, RINGCAST_MODE, LOG_LEVEL.",
];
