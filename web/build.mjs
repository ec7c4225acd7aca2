// Builds the classroom web app into web/dist: the bundle (esbuild), index.html and styles.css.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const here = new URL(".", import.meta.url).pathname;
mkdirSync(`${here}dist`, { recursive: true });
await build({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  outfile: `${here}dist/app.js`,
  logLevel: "warning",
});
for (const file of ["index.html", "styles.css"]) copyFileSync(`${here}${file}`, `${here}dist/${file}`);
console.log("web app built: web/dist");
