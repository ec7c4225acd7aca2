import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Finds a system command on PATH; when it is missing and this process runs as root on a Debian
 * machine, installs the Debian package that provides it (the demo and the tests need no manual
 * step). Otherwise throws an error that says how to install it.
 */
export function ensureCommand(command: string, debianPackage: string, otherwise: string): string {
  const found = which(command);
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    process.stderr.write(`${command} is missing; installing it: apt-get install -y ${debianPackage}\n`);
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", debianPackage], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    const installed = which(command);
    if (installed) return installed;
  }
  throw new Error(`${command} is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y ${debianPackage}; ${otherwise}).`);
}

function which(command: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
