// Builds the player into ../web-dist/player, then the admin app into
// ../web-dist (index.html, assets/). The player: tsc for the page's modules and,
// separately (WebWorker types), the service worker; then the static files and
// files.json, the list the service worker pre-caches. Deterministic: the same
// sources give the same bytes.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "web-dist", "player");
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const project of ["tsconfig.json", "tsconfig.sw.json"]) {
  execFileSync(process.execPath, [tsc, "-p", join(here, project)], { stdio: "inherit" });
}
const statics = join(here, "player", "static");
for (const name of readdirSync(statics).sort()) copyFileSync(join(statics, name), join(out, name));

const files = readdirSync(out)
  .filter((name) => name !== "sw.js" && name !== "files.json")
  .sort();
writeFileSync(join(out, "files.json"), `${JSON.stringify(files, null, 1)}\n`);
console.log(`web-dist/player: ${files.length + 2} files`);

// The admin app: esbuild bundles src/app into web-dist/assets/ with content-hashed names
// (served immutable), and index.html is written with those names. esbuild's output is
// deterministic; player/ is left alone.
const dist = join(here, "..", "web-dist");
const app = join(here, "src", "app");
rmSync(join(dist, "assets"), { recursive: true, force: true });
rmSync(join(dist, "index.html"), { force: true });
const result = await build({
  entryPoints: [join(app, "main.tsx")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: join(dist, "assets"),
  entryNames: "app-[hash]",
  assetNames: "[name]-[hash]",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.entries(result.metafile.outputs);
const [jsPath, js] = outputs.find(([, o]) => o.entryPoint) ?? [];
if (!jsPath) throw new Error("esbuild produced no entry output");
const asset = (p) => `/assets/${p.split("/").pop()}`;
const css = js.cssBundle ? `<link rel="stylesheet" href="${asset(js.cssBundle)}">\n` : "";
const html = readFileSync(join(app, "index.html"), "utf8").replace(
  '<script type="module" src="./main.tsx"></script>',
  `${css}<script type="module" src="${asset(jsPath)}"></script>`,
);
if (!html.includes(asset(jsPath))) throw new Error("index.html lacks the main.tsx script tag");
writeFileSync(join(dist, "index.html"), html);
console.log(`web-dist: index.html + ${outputs.length} files in assets/`);
