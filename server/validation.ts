import type { z } from "zod";
import { RingcastError } from "./errors.ts";

/** Parses input with a zod schema; on failure throws invalid_request naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), problem: "unknown field" }))
      : [{ field: fieldName(issue.path), problem: describe(issue) }],
  );
  const summary = problems.map((p) => `${p.field}: ${p.problem}`).join("; ");
  throw new RingcastError("invalid_request", `invalid ${what}: ${summary}`, problems);
}

function describe(issue: z.core.$ZodIssue): string {
  return issue.code === "invalid_type" && issue.message.endsWith("received undefined") ? "is required" : issue.message;
}

function fieldName(path: PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join(".") : "(body)";
}
