import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect } from "chai";

const root = resolve(import.meta.dirname, "../..");

/** Every .ts file under `dir` (relative to the repository), recursively. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** What each import or re-export of a file names, resolved against the repository when relative. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);
  return specifiers.map((s) => (s.startsWith(".") ? relative(root, resolve(root, file, "..", s)) : s));
}

describe("protocol/", () => {
  it("is a leaf: its files import only each other", () => {
    const files = sources("protocol");
    expect(files).to.include("protocol/index.ts");
    const outside = files.flatMap((file) => importsOf(file).filter((target) => !target.startsWith("protocol/")).map((target) => `${file} -> ${target}`));
    expect(outside).to.deep.equal([]);
  });

  it("is what the server takes the wire from: nothing in server/ imports client/ or web/", () => {
    const files = sources("server");
    expect(files.length).to.be.greaterThan(50);
    const crossings = files.flatMap((file) => importsOf(file).filter((target) => /^(client|web)\//.test(target)).map((target) => `${file} -> ${target}`));
    expect(crossings).to.deep.equal([]);
  });

  it("is used by ringcast/client and the web app", () => {
    expect(importsOf("client/index.ts")).to.include("protocol/index.ts");
    const web = sources("web/src").flatMap(importsOf);
    expect(web.some((target) => target.startsWith("protocol/"))).to.equal(true);
  });
});
